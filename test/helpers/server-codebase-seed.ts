import { runConfigSchema, taskSpecSchema, type RunEvent } from '../../src/core/index.js';
import type { RunStore } from '../../src/store/index.js';

/** What {@link seedEscalation} opens; every field but the ids has a default. */
export interface SeedEscalationInput {
  readonly runId: string;
  readonly taskId: string;
  readonly ticketId?: string;
  readonly member?: string;
  readonly triggerType?: string;
  readonly reason?: string;
  readonly options?: readonly string[];
  readonly priority?: number;
  /** Epoch ms. @default 1000 */
  readonly openedAt?: number;
  readonly deadlineAt?: number;
}

/**
 * Journals a run whose task escalated: `workflow:start`, `task:added`, `task:start`, then
 * `escalation:open` through `RunStore.journalFor`, the way the scheduler would; the store projects
 * the escalation's row from it. Returns the escalation's id. The run's owner is a pid of another
 * host, so the run counts as interrupted once reconciled.
 */
export function seedEscalation(store: RunStore, input: SeedEscalationInput): string {
  const { runId, taskId } = input;
  const openedAt = input.openedAt ?? 1000;
  const config = runConfigSchema.parse({ maxParallelAgents: 2 });
  const tasks = [taskSpecSchema.parse({ id: taskId, agentName: 'worker', prompt: 'p' })];
  store.createRun({ runId, workflowName: 'tickets', spec: { tasks, config, parameters: {} }, owner: { pid: 1, host: 'seeded-elsewhere' }, createdAt: openedAt });
  const escalationId = `E-${runId}-${taskId}-1`;
  let seq = 0;
  const event = (type: string, payload: object): RunEvent => ({ type, runId, seq: ++seq, at: openedAt, ...payload }) as unknown as RunEvent;
  store.journalFor(runId).append([
    event('workflow:start', { workflowName: 'tickets', taskCount: 1, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }),
    event('task:added', { taskId, agentName: 'worker', description: '', dependencies: [], priority: 5 }),
    event('task:start', { taskId, agentName: 'worker', description: '', attempt: 1 }),
    event('escalation:open', {
      taskId,
      agentName: 'worker',
      attempt: 1,
      escalationId,
      ...(input.ticketId === undefined ? {} : { ticketId: input.ticketId }),
      ...(input.member === undefined ? {} : { member: input.member }),
      triggerType: input.triggerType ?? 'ambiguity',
      reason: input.reason ?? 'Which DB?',
      context: 'choosing the storage',
      options: input.options ?? ['Postgres', 'SQLite'],
      priority: input.priority ?? 5,
      ...(input.deadlineAt === undefined ? {} : { deadlineAt: input.deadlineAt }),
      duration: 10,
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      costUsd: 0,
    }),
  ]);
  return escalationId;
}
