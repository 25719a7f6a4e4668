import type { TaskEvidence, TaskState } from '../../core/index.js';
import { sanitizeTerminalLine } from '../terminal/index.js';

/** Files and commands listed per task before the rest are counted. */
const MAX_LISTED = 10;

/** The paths a `git diff` names (`diff --git a/x b/y` headers), in order, without repeats; a rename names its new path. */
export function filesInDiff(diff: string): string[] {
  const files = new Set<string>();
  for (const match of diff.matchAll(/^diff --git a\/(.*?) b\/(.*)$/gm)) files.add(match[2] ?? match[1] ?? '');
  files.delete('');
  return [...files];
}

/** What a task's journaled tool calls say (the run state's fold of its `agent:tool` events). */
export type TaskToolActivity = Pick<TaskState, 'toolCalls' | 'failedToolCalls' | 'toolUsage' | 'filesWritten'>;

/**
 * What a task did to the workspace, as lines for `runs show`: its tool calls per tool (most used
 * first, with failures), the files its diff changed (else those it reported, else those its Write
 * and Edit calls wrote), the commands it reported running, the tool calls it was refused. Empty
 * when neither the evidence nor the tool calls say anything of the kind.
 */
export function describeTaskWork(evidence: TaskEvidence | undefined, tools?: TaskToolActivity): string[] {
  const lines: string[] = [];
  if (tools !== undefined && tools.toolCalls > 0) lines.push(`tool calls: ${describeToolUsage(tools)}`);
  const changed = evidence?.diff === undefined ? [] : filesInDiff(evidence.diff);
  const reported = (evidence?.reportedChanges ?? []).map((change) => `${change.path} (${change.kind})`);
  const files = changed.length > 0 ? changed : reported.length > 0 ? reported : (tools?.filesWritten ?? []);
  if (files.length > 0) lines.push(`files changed: ${listed(files)}${evidence?.diffShared === true ? ' (the work tree was shared with other tasks)' : ''}`);
  const commands = (evidence?.commands ?? []).map(({ command, exitCode }) => `${command}${exitCode === null ? '' : ` → ${exitCode}`}`);
  if (commands.length > 0) lines.push(`commands: ${listed(commands)}`);
  const refusals = (evidence?.refusals ?? []).map(({ tool, detail }) => (detail === undefined ? tool : `${tool} ${detail}`));
  if (refusals.length > 0) lines.push(`refused under --permissions ${evidence?.permissions ?? '?'}: ${listed(refusals)}`);
  return lines.map(sanitizeTerminalLine);
}

/** `Read ×12, Grep ×3, Bash ×2 (1 failed)`: most used first, ties in order of first use. */
export function describeToolUsage(tools: Pick<TaskToolActivity, 'toolUsage'>): string {
  const ranked = tools.toolUsage.map((usage, index) => ({ usage, index })).sort((a, b) => b.usage.calls - a.usage.calls || a.index - b.index);
  return ranked.map(({ usage }) => `${usage.tool} ×${usage.calls}${usage.failedCalls > 0 ? ` (${usage.failedCalls} failed)` : ''}`).join(', ');
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown}, and ${items.length - MAX_LISTED} more` : shown;
}
