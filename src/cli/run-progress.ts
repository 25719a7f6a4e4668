import type { RunEvent, RunSummary, SerializedError, TaskStatus } from '../core/index.js';

export interface TaskProgress {
  readonly taskId: string;
  readonly agentName: string;
  status: TaskStatus;
  attempt: number;
  startedAt?: number;
  durationMs?: number;
  tokens: number;
  runtime?: string;
  model?: string;
  error?: SerializedError;
  blockedBy?: string;
  output?: string;
  /** The end of the output streamed so far by the running attempt (`task:output`). */
  streamedTail?: string;
  hasDependents: boolean;
}

/** How much streamed text a task row keeps: enough for its last line. */
const STREAMED_TAIL_CHARS = 400;

/** What the terminal views know about a run, folded from its events. */
export class RunProgress {
  readonly tasks = new Map<string, TaskProgress>();
  workflowName = '';
  runId = '';
  startedAt = 0;
  isResumed = false;
  usesSimulated = false;
  summary: RunSummary | undefined;
  status: string | undefined;
  error: SerializedError | undefined;

  apply(event: RunEvent): void {
    switch (event.type) {
      case 'workflow:start':
        this.workflowName = event.workflowName;
        this.runId = event.runId;
        this.startedAt = event.at;
        this.isResumed = event.resumed;
        break;
      case 'task:added':
        this.tasks.set(event.taskId, { taskId: event.taskId, agentName: event.agentName, status: 'pending', attempt: 0, tokens: 0, hasDependents: false });
        for (const dependency of event.dependencies) {
          const task = this.tasks.get(dependency);
          if (task !== undefined) task.hasDependents = true;
        }
        break;
      case 'task:start': {
        const task = this.task(event.taskId, event.agentName);
        task.status = 'running';
        task.attempt = event.attempt;
        task.startedAt = event.at;
        delete task.error;
        delete task.streamedTail;
        break;
      }
      case 'task:output': {
        const task = this.task(event.taskId, event.agentName);
        const text = event.restart === true ? event.delta : (task.streamedTail ?? '') + event.delta;
        task.streamedTail = text.slice(-STREAMED_TAIL_CHARS);
        break;
      }
      case 'agent:invoke': {
        const task = this.task(event.taskId, event.agentName);
        task.runtime = event.runtime;
        task.model = event.model;
        if (event.runtime === 'simulated') this.usesSimulated = true;
        break;
      }
      case 'task:retry': {
        const task = this.task(event.taskId, event.agentName);
        task.status = 'retrying';
        task.error = event.error;
        break;
      }
      case 'task:complete': {
        const task = this.task(event.taskId, event.agentName);
        task.status = 'succeeded';
        task.durationMs = event.duration;
        task.tokens = event.tokensUsed;
        task.output = event.output;
        break;
      }
      case 'task:error': {
        const task = this.task(event.taskId, event.agentName);
        task.status = 'failed';
        task.durationMs = event.duration;
        task.error = event.error;
        break;
      }
      case 'task:skipped': {
        const task = this.task(event.taskId, event.agentName);
        task.status = 'skipped';
        if (event.blockedBy !== undefined) task.blockedBy = event.blockedBy;
        break;
      }
      case 'workflow:complete':
        this.summary = event.summary;
        this.status = event.status;
        break;
      case 'workflow:error':
        this.summary = event.summary;
        this.status = event.status;
        this.error = event.error;
        break;
      default:
        break;
    }
  }

  /** Seeds task rows on resume, where `task:added` is not repeated. */
  seed(tasks: readonly { taskId: string; agentName: string; status: TaskStatus; durationMs?: number; tokens: number; hasDependents: boolean }[]): void {
    for (const task of tasks) {
      this.tasks.set(task.taskId, {
        taskId: task.taskId,
        agentName: task.agentName,
        status: task.status === 'succeeded' ? 'succeeded' : 'pending',
        attempt: 0,
        tokens: task.status === 'succeeded' ? task.tokens : 0,
        hasDependents: task.hasDependents,
        ...(task.durationMs === undefined || task.status !== 'succeeded' ? {} : { durationMs: task.durationMs }),
      });
    }
  }

  counts(): Record<TaskStatus, number> {
    const counts: Record<TaskStatus, number> = { pending: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, skipped: 0 };
    for (const task of this.tasks.values()) counts[task.status]++;
    return counts;
  }

  private task(taskId: string, agentName: string): TaskProgress {
    let task = this.tasks.get(taskId);
    if (task === undefined) {
      task = { taskId, agentName, status: 'pending', attempt: 0, tokens: 0, hasDependents: false };
      this.tasks.set(taskId, task);
    }
    return task;
  }
}
