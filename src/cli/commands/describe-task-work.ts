import type { TaskEvidence } from '../../core/index.js';
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

/**
 * What a task did to the workspace, from its evidence, as lines for `runs show`: the files its diff
 * changed (else those it reported), the commands it reported running, the tool calls it was refused.
 * Empty when the evidence says nothing of the kind.
 */
export function describeTaskWork(evidence: TaskEvidence | undefined): string[] {
  if (evidence === undefined) return [];
  const lines: string[] = [];
  const changed = evidence.diff === undefined ? [] : filesInDiff(evidence.diff);
  const files = changed.length > 0 ? changed : (evidence.reportedChanges ?? []).map((change) => `${change.path} (${change.kind})`);
  if (files.length > 0) lines.push(`files changed: ${listed(files)}${evidence.diffShared === true ? ' (the work tree was shared with other tasks)' : ''}`);
  const commands = (evidence.commands ?? []).map(({ command, exitCode }) => `${command}${exitCode === null ? '' : ` → ${exitCode}`}`);
  if (commands.length > 0) lines.push(`commands: ${listed(commands)}`);
  const refusals = (evidence.refusals ?? []).map(({ tool, detail }) => (detail === undefined ? tool : `${tool} ${detail}`));
  if (refusals.length > 0) lines.push(`refused under --permissions ${evidence.permissions ?? '?'}: ${listed(refusals)}`);
  return lines.map(sanitizeTerminalLine);
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown}, and ${items.length - MAX_LISTED} more` : shown;
}
