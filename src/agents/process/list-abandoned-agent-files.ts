import { readFileSync } from 'node:fs';
import { hasProcFileSystem, readProcessTable } from './proc-stat.js';

const RUN_TAG = 'ENSEMBLE_RUN_ID=';

/** A process on this host tagged as an agent of a run (`ENSEMBLE_RUN_ID` in its environment). */
export interface TaggedAgentProcess {
  readonly pid: number;
  readonly pgid: number;
}

/**
 * Processes of this host whose environment names them agents of a run, by run id: what
 * `killRunAgentProcesses` would find (their untagged descendants aside). Empty without /proc.
 */
export function listTaggedAgentProcesses(): Map<string, TaggedAgentProcess[]> {
  const tagged = new Map<string, TaggedAgentProcess[]>();
  if (!hasProcFileSystem()) return tagged;
  const ownLine = new Set([process.pid, process.ppid]);
  for (const entry of readProcessTable()) {
    if (entry.isZombie || ownLine.has(entry.pid)) continue;
    const runId = readRunTag(entry.pid);
    if (runId === undefined) continue;
    const list = tagged.get(runId) ?? [];
    list.push({ pid: entry.pid, pgid: entry.processGroupId });
    tagged.set(runId, list);
  }
  return tagged;
}

function readRunTag(pid: number): string | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find((candidate) => candidate.startsWith(RUN_TAG));
    return line === undefined || line.length === RUN_TAG.length ? undefined : line.slice(RUN_TAG.length);
  } catch {
    return undefined; // Gone, or not ours to read.
  }
}
