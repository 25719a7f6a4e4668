import { hostname } from 'node:os';
import { runConfigSchema, taskSpecSchema, type RunEvent } from '../../src/core/index.js';
import type { RunStore } from '../../src/store/index.js';

/** A ticket's task in a seeded run: worked by `member` (an agent), started at `startedAt`. */
export interface SeededTicketTask {
  readonly taskId: string;
  readonly ticketId: string;
  readonly member: string;
  readonly agentName?: string;
  readonly startedAt: number;
}

/** What the seeded run's owner looks like: a live process elsewhere (`running` stays), or a dead one here (reconciled to `interrupted`). */
export type SeededOwner = 'alive' | 'dead';

/** A pid no process has: `kill(pid, 0)` fails with ESRCH (above the kernel's default pid_max of 4194304). */
const DEAD_PID = 4_194_305;

/**
 * Creates a ticket run the way the ticket runner journals one: `workflow:start`, then per task
 * `task:added`, `task:start` and `ticket:assigned`. Returns an appender for more events (seq continues).
 */
export function seedTicketRun(store: RunStore, runId: string, tasks: readonly SeededTicketTask[], owner: SeededOwner, createdAt: number) {
  const config = runConfigSchema.parse({ maxParallelAgents: 2 });
  const specs = tasks.map((task) => taskSpecSchema.parse({ id: task.taskId, agentName: task.agentName ?? 'developer', prompt: 'p' }));
  store.createRun({
    runId,
    workflowName: 'tickets',
    spec: { tasks: specs, config, parameters: {} },
    // A foreign host with a fresh heartbeat counts as alive; a dead pid on this host does not.
    owner: owner === 'alive' ? { pid: 1, host: 'another-host.invalid' } : { pid: DEAD_PID, host: hostname() },
    createdAt,
    staleAfterMs: 3_600_000,
  });
  const journal = store.journalFor(runId);
  let seq = 0;
  const next = (type: string, at: number, payload: object): RunEvent => ({ type, runId, seq: ++seq, at, ...payload }) as unknown as RunEvent;
  journal.append([
    next('workflow:start', createdAt, { workflowName: 'tickets', taskCount: tasks.length, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }),
    ...tasks.map((task) => next('task:added', createdAt, { taskId: task.taskId, agentName: task.agentName ?? 'developer', description: task.ticketId, dependencies: [], priority: 5 })),
    ...tasks.flatMap((task) => [
      next('task:start', task.startedAt, { taskId: task.taskId, agentName: task.agentName ?? 'developer', description: task.ticketId, attempt: 1 }),
      next('ticket:assigned', task.startedAt, { taskId: task.taskId, agentName: task.agentName ?? 'developer', ticketId: task.ticketId, member: task.member, attempt: 1, reason: 'dependencies done; no overlap; priority 5; least loaded' }),
    ]),
  ]);
  return {
    /** Appends one event of `type` with the next seq. */
    append: (type: string, at: number, payload: object): void => journal.append([next(type, at, payload)]),
    /** Journals `escalation:open` for a task; returns its id. */
    escalate: (task: SeededTicketTask, at: number, extra: { reason: string; options: readonly string[]; priority?: number; deadlineAt?: number }): string => {
      const escalationId = `E-${runId}-${task.taskId}-1`;
      journal.append([
        next('escalation:open', at, {
          taskId: task.taskId,
          agentName: task.agentName ?? 'developer',
          attempt: 1,
          escalationId,
          ticketId: task.ticketId,
          member: task.member,
          triggerType: 'architecture',
          reason: extra.reason,
          context: 'tried two designs',
          options: extra.options,
          priority: extra.priority ?? 5,
          ...(extra.deadlineAt === undefined ? {} : { deadlineAt: extra.deadlineAt }),
          duration: 40,
          usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
          costUsd: 0,
        }),
      ]);
      return escalationId;
    },
  };
}
