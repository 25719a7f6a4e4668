import type { RunEvent, RunEventOf } from '../../src/core/index.js';

/** One ended tool call (`agent:tool` with `state: 'end'`). */
export type ToolCallRecord = Pick<RunEventOf<'agent:tool'>, 'callId' | 'tool' | 'input' | 'attempt' | 'ok' | 'durationMs' | 'error' | 'files' | 'at'>;

/** The raw activity of one task, for its side panel. */
export interface TaskActivity {
  /** Everything the latest attempt streamed (`task:output`), up to {@link MAX_STREAMED_CHARS} from the end. */
  readonly streamedText: string;
  /** Ended tool calls over all attempts, oldest first, at most {@link MAX_TOOL_CALLS}. */
  readonly toolCalls: readonly ToolCallRecord[];
}

const MAX_STREAMED_CHARS = 200_000;
const MAX_TOOL_CALLS = 500;
const EMPTY_ACTIVITY: TaskActivity = { streamedText: '', toolCalls: [] };

/**
 * Keeps the event payloads the run-state reducer deliberately summarises: it holds only the last
 * 400 streamed characters and per-tool counts, which is all the other views need, while the panel
 * shows the whole stream and each call. Task state itself comes from `applyRunEvent` only.
 */
export class TaskActivityLog {
  private readonly tasks = new Map<string, TaskActivity>();

  /** Records `event` if it is activity; returns the task it changed, if any. */
  record(event: RunEvent): string | undefined {
    switch (event.type) {
      case 'task:start':
        // A new attempt streams from the start; its tool calls are added to the earlier ones.
        this.tasks.set(event.taskId, { ...this.get(event.taskId), streamedText: '' });
        return event.taskId;
      case 'task:output': {
        const current = this.get(event.taskId);
        const streamedText = (event.restart === true ? event.delta : current.streamedText + event.delta).slice(-MAX_STREAMED_CHARS);
        this.tasks.set(event.taskId, { ...current, streamedText });
        return event.taskId;
      }
      case 'agent:tool': {
        if (event.state !== 'end') return undefined;
        const current = this.get(event.taskId);
        const { callId, tool, input, attempt, ok, durationMs, error, files, at } = event;
        const call: ToolCallRecord = {
          callId,
          tool,
          input,
          attempt,
          at,
          ...(ok === undefined ? {} : { ok }),
          ...(durationMs === undefined ? {} : { durationMs }),
          ...(error === undefined ? {} : { error }),
          ...(files === undefined ? {} : { files }),
        };
        this.tasks.set(event.taskId, { ...current, toolCalls: [...current.toolCalls, call].slice(-MAX_TOOL_CALLS) });
        return event.taskId;
      }
      default:
        return undefined;
    }
  }

  get(taskId: string): TaskActivity {
    return this.tasks.get(taskId) ?? EMPTY_ACTIVITY;
  }
}

