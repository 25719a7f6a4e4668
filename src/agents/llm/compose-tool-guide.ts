import type { PermissionCeiling } from '../../core/index.js';
import type { WorkspaceTool } from '../../tools/index.js';

const CEILING_WORDS: Readonly<Record<PermissionCeiling, string>> = {
  read: 'read-only: you may look at files but not change them or run commands',
  edit: 'you may read and edit files, but not run commands',
  full: 'you may read and edit files and run shell commands',
};

/**
 * The paragraph appended to a tool-using agent's system prompt: where its tools work, which it has,
 * and what the run allows, so the model neither guesses absolute paths nor asks for tools it lacks.
 */
export function composeToolGuide(tools: readonly WorkspaceTool[], ceiling: PermissionCeiling, options: ToolGuideOptions = {}): string {
  const names = tools.map((tool) => tool.name).join(', ');
  const lines = [
    '## Your workspace and tools',
    '',
    `You work in a workspace folder; your tools see only it. Give paths relative to it (\`src/index.ts\`, \`.\` for the workspace itself). Your tools: ${names}. This run is ${CEILING_WORDS[ceiling]}.`,
    'Look at the code before you speak about it or change it. When you are done, answer with your final result as plain text, without calling a tool.',
  ];
  if (options.heldLeases !== undefined && tools.some((tool) => tool.permission !== 'read')) {
    const held = options.heldLeases.length === 0 ? 'none yet' : options.heldLeases.map((pattern) => `\`${pattern}\``).join(', ');
    lines.push(
      `Other agents work in this workspace at the same time, so you work under file leases: you may change only the files you hold (${held}).`,
      'A write to any other file is refused. Ask for the files you need with RequestLease; when one is held by another task or you cannot go on without it, use Escalate.',
    );
  }
  return lines.join('\n');
}

/** What else the guide says. */
export interface ToolGuideOptions {
  /** The paths and globs the task holds when it works under file leases; absent: no leases. */
  readonly heldLeases?: readonly string[];
}
