import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { runConfigSchema, taskSpecSchema, type EventPayloads, type RunEvent, type RunEventType } from '../../src/core/index.js';
import type { RunStore } from '../../src/store/index.js';

/** Above the kernel's default pid_max (4194304): no process has it. */
export const MONITOR_DEAD_PID = 4_194_305;

/** A journaled run, as the monitor reads one: `append` journals one more event with the next seq. */
export interface SeededMonitorRun {
  append<T extends RunEventType>(type: T, payload: EventPayloads[T], at?: number): void;
}

/**
 * Creates a `running` run owned by `owner` (a foreign host with a fresh heartbeat counts as alive; on
 * this host, the pid and start must name a live process), then journals `workflow:start` and a
 * `task:added` per task (agent `worker`).
 */
export function seedMonitorRun(
  store: RunStore,
  runId: string,
  options: { readonly owner: { readonly pid: number; readonly host: string; readonly startTicks?: number }; readonly taskIds: readonly string[]; readonly maxParallelAgents: number; readonly at: number },
): SeededMonitorRun {
  const workflowName = `workflow of ${runId}`;
  store.createRun({
    runId,
    workflowName,
    spec: {
      tasks: options.taskIds.map((id) => taskSpecSchema.parse({ id, agentName: 'worker', prompt: 'p' })),
      config: runConfigSchema.parse({ maxParallelAgents: options.maxParallelAgents }),
      parameters: {},
    },
    owner: options.owner,
    createdAt: options.at,
    staleAfterMs: 3_600_000,
  });
  const journal = store.journalFor(runId);
  let seq = 0;
  const append = <T extends RunEventType>(type: T, payload: EventPayloads[T], at = options.at): void => {
    journal.append([{ type, runId, seq: ++seq, at, ...payload } as unknown as RunEvent]);
  };
  append('workflow:start', { workflowName, taskCount: options.taskIds.length, maxParallelAgents: options.maxParallelAgents, resumed: false, completedTaskCount: 0 });
  for (const taskId of options.taskIds) append('task:added', { taskId, agentName: 'worker', description: '', dependencies: [], priority: 5 });
  return { append };
}

/** An `agent:process` started event of attempt 1 of `taskId`'s `worker` agent, its group led by `pid`. */
export function monitorProcessStarted(taskId: string, process: { readonly pid: number; readonly startTicks: number }, host = hostname()): EventPayloads['agent:process'] {
  return { taskId, agentName: 'worker', attempt: 1, state: 'started', pid: process.pid, pgid: process.pid, host, startTicks: process.startTicks };
}

/** Start of `pid` in clock ticks since boot (field 22 of /proc/PID/stat). */
export function monitorStartTicksOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** Processes started for a test, each leading its own group; `killAll` ends them. */
export class MonitorTestProcesses {
  private readonly children: ChildProcess[] = [];

  /** A busy loop (`burn`) or an idle process (`sleep`) for 60 s, with its pid and start. */
  start(kind: 'burn' | 'sleep'): { readonly pid: number; readonly startTicks: number } {
    const source = kind === 'burn' ? 'const end = Date.now() + 60000; while (Date.now() < end) {}' : 'setTimeout(() => {}, 60000)';
    const child = spawn(process.execPath, ['-e', source], { detached: true, stdio: 'ignore' });
    this.children.push(child);
    return { pid: child.pid!, startTicks: monitorStartTicksOf(child.pid!) };
  }

  killAll(): void {
    for (const child of this.children.splice(0)) child.kill('SIGKILL');
  }
}
