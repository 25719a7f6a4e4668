import { setTimeout as sleep } from 'node:timers/promises';
import { hasEnvironmentEntry, hasProcFileSystem, isProcessRunning, readProcessTable } from './proc-stat.js';

/** How often the kill looks again for processes that are still there, in ms. */
const POLL_MS = 20;

/**
 * Kills, on this host, every process whose environment names it an agent of `runId`
 * (`ENSEMBLE_RUN_ID`, which every process agent gets), together with its descendants, and resolves
 * with how many it killed once they are gone (or `waitMs` passed). A resume calls it after reaping
 * the groups the journal knows: an agent spawned in the instant before a `kill -9`, whose
 * `agent:process` record never reached the journal, is found only this way (issue 6: no two
 * executions of a task at once). Without /proc (macOS) nothing can be found and nothing is killed.
 */
export async function killRunAgentProcesses(runId: string, options: { readonly waitMs?: number } = {}): Promise<number> {
  if (!hasProcFileSystem()) return 0;
  const entry = `ENSEMBLE_RUN_ID=${runId}`;
  const ownLine = new Set([process.pid, process.ppid]);
  const table = readProcessTable().filter((candidate) => !candidate.isZombie && !ownLine.has(candidate.pid));
  const targets = new Map(table.filter((candidate) => hasEnvironmentEntry(candidate.pid, entry)).map((candidate) => [candidate.pid, candidate.startTicks]));
  // Descendants that were started with another environment (`env -i`) still hang from an agent.
  for (let isGrowing = targets.size > 0; isGrowing; ) {
    isGrowing = false;
    for (const candidate of table) {
      if (targets.has(candidate.pid) || !targets.has(candidate.parentPid)) continue;
      targets.set(candidate.pid, candidate.startTicks);
      isGrowing = true;
    }
  }
  for (const pid of targets.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  const deadline = Date.now() + (options.waitMs ?? 5000);
  for (;;) {
    const alive = [...targets].filter(([pid, startTicks]) => isProcessRunning(pid, startTicks));
    if (alive.length === 0 || Date.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  return targets.size;
}
