import type { ActivityEventType, ActivityPayload, DispatchContext, MessageBus, RunMessage, SendMessageResult, SharedContextEntry } from '../core/index.js';
import type { ExecutionStreamWriter } from './execution-stream.js';
import type { TaskJob } from './task-job.js';

/** What a worker builds a job's dispatch context from. */
export interface RemoteDispatchContextOptions {
  readonly job: TaskJob;
  /** Aborted by a cancel of the execution or by the worker stopping. */
  readonly signal: AbortSignal;
  /** The workspace on this machine. */
  readonly workspace: string;
  /** The execution's stream: every report becomes an item of it. */
  readonly writer: ExecutionStreamWriter;
  /** Called for each activity event before it is streamed (the worker records process groups). */
  readonly onEvent?: <T extends ActivityEventType>(type: T, payload: ActivityPayload<T>) => void;
  /** The run's message bus: messages published while the job runs join `receivedMessages()`. */
  readonly bus?: MessageBus;
  /** Epoch ms now. @default Date.now */
  readonly now?: () => number;
}

/** A job's dispatch context, and what ends it. */
export interface RemoteDispatchContext {
  readonly context: DispatchContext;
  /** Ends the bus subscription. */
  dispose(): Promise<void>;
}

/** The version and writer of a shared entry handed to the task (`shared:<key>@<version>`). */
function sharedEntryOf(entry: TaskJob['request']['context'][number]): SharedContextEntry | undefined {
  if (entry.relation !== 'shared') return undefined;
  const version = Number(entry.key.slice(entry.key.lastIndexOf('@') + 1));
  return { key: entry.source, value: entry.text, version: Number.isSafeInteger(version) && version > 0 ? version : 1, agentName: entry.agentName, taskId: '', at: 0 };
}

/**
 * The dispatch context a worker hands its executor: reports become items of the execution's
 * stream, which the coordinator applies to the scheduler's own context in order. `sendMessage`
 * answers at once with the id the coordinator will give the message (`<executionId>:m<n>`); a
 * message the coordinator then refuses (unknown recipient, over a limit) is journaled there as a
 * `run:warning`, and the agent is not told. The shared store is the request's `shared` entries
 * plus this task's own updates.
 */
export async function createRemoteDispatchContext(options: RemoteDispatchContextOptions): Promise<RemoteDispatchContext> {
  const { job, writer } = options;
  const { request } = job;
  const now = options.now ?? Date.now;
  const received = new Map<string, RunMessage>(job.received.map((message) => [message.messageId, message]));
  const shared = new Map<string, SharedContextEntry>();
  for (const entry of request.context) {
    const sharedEntry = sharedEntryOf(entry);
    if (sharedEntry !== undefined && (shared.get(sharedEntry.key)?.version ?? 0) < sharedEntry.version) shared.set(sharedEntry.key, sharedEntry);
  }
  let sent = 0;
  let suspensions = 0;
  const recipient = { taskId: request.task.id, agentName: request.task.agentName };
  const unsubscribe = options.bus === undefined ? undefined : await options.bus.subscribe(request.runId, recipient, (message) => {
    // The sender's own messages are not "received" (as in the scheduler's view).
    if (message.taskId !== request.task.id && !received.has(message.messageId)) received.set(message.messageId, message);
  });

  const context: DispatchContext = {
    signal: options.signal,
    workspace: options.workspace,
    reportOutput: (delta, reportOptions) => writer.append({ kind: 'output', delta, ...(reportOptions?.restart === true ? { restart: true } : {}) }),
    reportUsage: (usage, costUsd) => writer.append({ kind: 'usage', usage: { ...usage }, costUsd }),
    reportEvent: (type, payload) => {
      options.onEvent?.(type, payload);
      writer.append({ kind: 'event', type, payload: { ...payload } });
    },
    suspendTimeout: () => {
      suspensions += 1;
      const id = `s${suspensions}`;
      writer.append({ kind: 'suspend', id });
      let isResumed = false;
      return () => {
        if (isResumed) return;
        isResumed = true;
        writer.append({ kind: 'resume', id });
      };
    },
    sendMessage: (message): SendMessageResult => {
      sent += 1;
      writer.append({ kind: 'message', message: { ...message } });
      const journaled: RunMessage = {
        messageId: `${request.executionId}:m${sent}`,
        runId: request.runId,
        taskId: request.task.id,
        from: request.task.agentName,
        to: message.to,
        messageType: message.messageType,
        content: message.content,
        ...(message.inReplyTo === undefined ? {} : { inReplyTo: message.inReplyTo }),
        at: now(),
      };
      return { ok: true, message: journaled };
    },
    receivedMessages: () => [...received.values()],
    readShared: (key) => shared.get(key),
    updateShared: (key, value) => {
      const entry: SharedContextEntry = { key, value, version: (shared.get(key)?.version ?? 0) + 1, agentName: request.task.agentName, taskId: request.task.id, at: now() };
      shared.set(key, entry);
      writer.append({ kind: 'shared', key, value });
      return entry;
    },
    reportWarning: (code, message) => writer.append({ kind: 'warning', code, message }),
    ...(job.member === undefined ? {} : { member: job.member }),
  };
  return { context, dispose: async () => void (await unsubscribe?.()) };
}
