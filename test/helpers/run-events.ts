import { applyRunEvent, createRunState, ZERO_USAGE, type EventPayloads, type RunEvent, type RunEventType, type RunState } from '../../src/core/index.js';

/** Builds well-formed events of one run for the view tests, with increasing seq. */
export class RunEventFactory {
  private seq = 0;
  readonly state: RunState = createRunState();

  constructor(readonly runId = 'run-x') {}

  /** Makes an event and folds it into {@link state}; returns it. */
  apply<T extends RunEventType>(type: T, payload: EventPayloads[T], at = 1000): RunEvent {
    const event = { type, runId: this.runId, seq: ++this.seq, at, ...payload } as unknown as RunEvent;
    applyRunEvent(this.state, event);
    return event;
  }

  /** `workflow:start` and one `task:added` per task; `dependencies` default to none. */
  start(workflowName: string, tasks: readonly { id: string; agentName?: string; dependencies?: string[] }[], at = 1000): void {
    this.apply('workflow:start', { workflowName, taskCount: tasks.length, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 }, at);
    for (const task of tasks) {
      this.apply('task:added', { taskId: task.id, agentName: task.agentName ?? 'worker', description: '', dependencies: task.dependencies ?? [], priority: 5 }, at);
    }
  }

  begin(taskId: string, agentName = 'worker', at = 1000, attempt = 1): RunEvent {
    return this.apply('task:start', { taskId, agentName, description: '', attempt }, at);
  }

  complete(taskId: string, options: { agentName?: string; duration?: number; tokens?: number; output?: string; at?: number } = {}): RunEvent {
    const tokens = options.tokens ?? 0;
    return this.apply(
      'task:complete',
      {
        taskId,
        agentName: options.agentName ?? 'worker',
        duration: options.duration ?? 5,
        tokensUsed: tokens,
        usage: { inputTokens: 0, outputTokens: tokens, totalTokens: tokens },
        costUsd: 0,
        attempt: 1,
        output: options.output ?? 'done',
      },
      options.at ?? 1000,
    );
  }

  fail(taskId: string, message: string, code: 'AGENT_EXIT_NONZERO' | 'BUDGET_EXCEEDED' = 'AGENT_EXIT_NONZERO', at = 1000): RunEvent {
    return this.apply('task:error', { taskId, agentName: 'worker', duration: 5, attempt: 1, error: { code, message, retryable: false }, usage: ZERO_USAGE, costUsd: 0 }, at);
  }
}
