import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A `command` agent that records, from outside the orchestrator, when each execution of a task
 * runs: `start`, then a `tick` every 10 ms while it works, then `end`, each with its pid and the
 * time. An execution killed by a signal stops ticking when it dies, so its interval is
 * [start, last tick or end].
 */
const INTERVAL_WORKER = String.raw`
const fs = require('node:fs');
const log = process.env.WORKER_LOG;
const task = process.env.ENSEMBLE_TASK_ID;
const note = (kind) => fs.appendFileSync(log, kind + ' ' + task + ' ' + process.pid + ' ' + Date.now() + '\n');
let prompt = '';
process.stdin.on('data', (chunk) => (prompt += chunk));
process.stdin.on('end', () => {
  note('start');
  const ticker = setInterval(() => note('tick'), 10);
  const match = prompt.match(/sleep=(\d+)/);
  setTimeout(() => {
    clearInterval(ticker);
    note('end');
    process.stdout.write('done ' + task + '\n');
  }, match ? Number(match[1]) : 0);
});
`;

export interface Execution {
  readonly task: string;
  readonly pid: number;
  readonly startedAt: number;
  /** The last sign of life: its end, or its last tick before it was killed. */
  lastSeenAt: number;
}

/** Every execution the worker logged, in the order they started. */
export function readExecutions(logPath: string): Execution[] {
  const executions = new Map<number, Execution>();
  // Killed before any agent began, there is no log yet.
  const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
  for (const line of text.split('\n')) {
    const [kind, task, pidText, atText] = line.split(' ');
    if (kind === undefined || task === undefined || pidText === undefined || atText === undefined) continue;
    const pid = Number(pidText);
    const at = Number(atText);
    const execution = executions.get(pid);
    if (kind === 'start' || execution === undefined) executions.set(pid, { task, pid, startedAt: at, lastSeenAt: at });
    else execution.lastSeenAt = Math.max(execution.lastSeenAt, at);
  }
  return [...executions.values()];
}

/** Pairs of executions of one task whose intervals overlap: two processes doing the same work at once. */
export function findOverlaps(executions: readonly Execution[]): string[] {
  const overlaps: string[] = [];
  const byTask = new Map<string, Execution[]>();
  for (const execution of executions) byTask.set(execution.task, [...(byTask.get(execution.task) ?? []), execution]);
  for (const [task, runs] of byTask) {
    const ordered = [...runs].sort((left, right) => left.startedAt - right.startedAt);
    for (let index = 1; index < ordered.length; index++) {
      const previous = ordered[index - 1]!;
      const next = ordered[index]!;
      if (next.startedAt < previous.lastSeenAt) {
        overlaps.push(`${task}: pid ${previous.pid} was alive until ${previous.lastSeenAt}, pid ${next.pid} started at ${next.startedAt}`);
      }
    }
  }
  return overlaps;
}

/** Writes the worker and a `worker` command agent (WORKER_LOG passed through) into `folder`; returns the agents folder. */
export function writeIntervalWorker(folder: string): string {
  const workerPath = join(folder, 'interval-worker.cjs');
  writeFileSync(workerPath, INTERVAL_WORKER);
  const agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir, { recursive: true });
  writeFileSync(
    join(agentsDir, 'worker.md'),
    // `env`: process agents get an allow-listed environment; the worker needs WORKER_LOG passed through.
    `---\nname: worker\ndescription: Logs when it runs\ncategory: testing\nruntime: command\ncommand: ${JSON.stringify([process.execPath, workerPath])}\nenv: [WORKER_LOG]\n---\n`,
  );
  return agentsDir;
}

