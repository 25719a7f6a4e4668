import { EnsembleError } from '../core/index.js';
import { watchWorkspaceChanges } from './bash-change-watch.js';
import type { ToolContext } from './workspace-tool.js';

/** A started check of one `Bash` command against the task's leases. */
export interface BashLeaseCheck {
  /**
   * Finds what the command changed, reverts the paths the task holds no lease on and nobody else
   * holds, and returns what the model must be told (empty when every change was leased).
   */
  finish(signal: AbortSignal): Promise<string>;
}

/**
 * Before a `Bash` command runs under file leases: snapshots the work tree (see
 * `watchWorkspaceChanges`). Afterwards, each changed path the guard refuses is reverted and a
 * `lease:refused` journaled, unless another task holds it: that task may be writing it right now
 * in the same work tree, so the change is reported to the model but left alone. Without leases
 * there is nothing to check (undefined).
 * @throws EnsembleError `TOOL_REFUSED` when the workspace is not a git work tree (changes could not be checked)
 */
export async function startBashLeaseCheck(context: ToolContext): Promise<BashLeaseCheck | undefined> {
  const { leases } = context;
  if (leases === undefined) return undefined;
  const watch = await watchWorkspaceChanges(context.workspaceDir, context.signal);
  if (watch === undefined) {
    throw new EnsembleError(
      'TOOL_REFUSED',
      'Bash: this task works under file leases and its workspace is not a git work tree, so the files a command changes cannot be checked; change files with Write and Edit',
    );
  }
  return {
    async finish(signal) {
      const changed = await watch.changedPaths(signal);
      const toRevert: string[] = [];
      const messages = new Map<string, string>();
      const heldByOthers: string[] = [];
      for (const path of changed) {
        const check = await leases.checkWrite([path]);
        if (check.ok) continue;
        if (check.holder !== undefined) {
          heldByOthers.push(`${path} (held by ${check.holder})`);
          continue;
        }
        toRevert.push(path);
        messages.set(path, check.message);
      }
      if (toRevert.length === 0 && heldByOthers.length === 0) return '';
      const { restored, failed } = await watch.restore(toRevert, signal);
      for (const path of restored) context.reportEvent?.('lease:refused', { tool: 'Bash', path });
      const notes: string[] = [];
      if (restored.length > 0) {
        const why = messages.get(restored[0] ?? '') ?? 'no lease';
        notes.push(`[file leases] Reverted ${restored.length === 1 ? 'a change' : `${restored.length} changes`} the command made without a lease: ${restored.join(', ')} (${why}). To change ${restored.length === 1 ? 'it, ask for it' : 'them, ask for them'} with the RequestLease tool or escalate with the Escalate tool.`);
      }
      if (failed.length > 0) {
        notes.push(`[file leases] Changed without a lease and could NOT be reverted: ${failed.map((entry) => `${entry.path} (${entry.reason})`).join(', ')}. Undo these changes yourself, or escalate with the Escalate tool.`);
      }
      if (heldByOthers.length > 0) {
        notes.push(`[file leases] Changed while the command ran, but leased by another task (which may be writing them now), so left as they are: ${heldByOthers.join(', ')}. Do not change them; if your command did, escalate with the Escalate tool.`);
      }
      return notes.join('\n');
    },
  };
}
