import { bashTool } from './bash-tool.js';
import { editTool } from './edit-tool.js';
import { escalateTool } from './escalate-tool.js';
import { globTool } from './glob-tool.js';
import { grepTool } from './grep-tool.js';
import { readTool } from './read-tool.js';
import { sendMessageTool } from './send-message-tool.js';
import type { WorkspaceTool } from './workspace-tool.js';
import { writeTool } from './write-tool.js';

/** The builtin tools' names, Claude Code's, in the order they are offered. */
export const BUILTIN_TOOL_NAMES = ['Read', 'Glob', 'Grep', 'Write', 'Edit', 'Bash', 'SendMessage', 'Escalate'] as const;

/** One of {@link BUILTIN_TOOL_NAMES}. */
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

export interface BuiltinToolsOptions {
  /** Whether `Bash` is among them: only where a shell runner exists (a runtime without one must not offer it). @default true */
  readonly isShellAvailable?: boolean;
}

/**
 * The tools ensemble implements, read-only ones first, then `SendMessage` and `Escalate`. The workspace tools are
 * stateless (everything a call needs comes in its `ToolContext`), so one set serves every agent;
 * pick an agent's with `selectTools`. `SendMessage` is listed unbound: `selectTools` keeps it only
 * when the run's communication is on, and the runtime offers the copy bound to the attempt.
 */
export function createBuiltinTools(options: BuiltinToolsOptions = {}): readonly WorkspaceTool[] {
  const tools: WorkspaceTool[] = [readTool, globTool, grepTool, writeTool, editTool];
  if (options.isShellAvailable !== false) tools.push(bashTool);
  tools.push(sendMessageTool as WorkspaceTool, escalateTool as WorkspaceTool);
  return tools;
}
