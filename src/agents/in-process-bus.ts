import { z } from 'zod';
import { BROADCAST_RECIPIENT, EnsembleError, MESSAGE_TYPES } from '../core/index.js';
import type { MessageType, RunMessage, SendMessageResult, SharedContextEntry } from '../core/index.js';
import type { AttemptMessaging } from './attempt-messaging.js';
import { isFromOthers } from './attempt-messaging.js';

/** A message an in-process agent sends. */
export interface InProcessMessage {
  /** An agent name, a task id, or `*` for every agent of the run. */
  readonly to: string;
  readonly content: string;
  /** @default 'data' ('broadcast' when `to` is `*`) */
  readonly type?: MessageType;
  /** For a `response`: the `messageId` of the request it answers. */
  readonly inReplyTo?: string;
}

/** How long to wait, besides the task's own signal (always honoured). */
export interface InProcessWaitOptions {
  /** Stops the wait (rejects with its reason). */
  readonly signal?: AbortSignal;
}

/** `ctx.bus` of an in-process agent: the run's agent messages. */
export interface InProcessBus {
  /** Sends a message (journaled as `agent:message`); a refusal (unknown recipient, over the task's limit) is `{ok: false, reason}`, never a throw. */
  send(message: InProcessMessage): SendMessageResult;
  /** Answers a request: a `response` to its sending task, `inReplyTo` its id. */
  reply(request: RunMessage, content: string): SendMessageResult;
  /** The messages this task received from other tasks so far (to its id, its agent name or `*`), in order. */
  messages(): readonly RunMessage[];
  /**
   * Sends a `request` and resolves with its `response` (from any task), journaled before or after.
   * Rejects with AGENT_FAILED when the request is refused or the run has no bus, and with the abort
   * reason when the task stops (its timeout keeps running meanwhile) or `options.signal` aborts.
   */
  request(message: Omit<InProcessMessage, 'type' | 'inReplyTo'>, options?: InProcessWaitOptions): Promise<RunMessage>;
  /** Resolves with the first message from another task this one received (already, or later while it waits) that `predicate` accepts. */
  waitForMessage(predicate?: (message: RunMessage) => boolean, options?: InProcessWaitOptions): Promise<RunMessage>;
}

/** `ctx.shared` of an in-process agent: the run's shared context store (every write journaled as `context:update`). */
export interface InProcessSharedContext {
  /** The latest value of `key`, or undefined. */
  get(key: string): string | undefined;
  /** The latest version of `key` with who wrote it and when, or undefined. */
  entry(key: string): SharedContextEntry | undefined;
  /** Writes `key` (a new version); structured values go in as JSON text. */
  update(key: string, value: string): SharedContextEntry;
}

const messageSchema = z.strictObject({
  to: z.string().trim().min(1, 'must name an agent, a task id or "*"'),
  content: z.string(),
  type: z.enum(MESSAGE_TYPES).optional(),
  inReplyTo: z.string().min(1).optional(),
});
const keySchema = z.string().trim().min(1, 'must be a non-empty string');

const COMMUNICATION_OFF = 'agent messages are off in this run (enableCommunication: false)';

/** The bus of one attempt; methods on the prototype, so attempts that never message cost no closures. */
export class AttemptBus implements InProcessBus {
  constructor(
    private readonly messaging: AttemptMessaging | undefined,
    private readonly runId: string,
    private readonly taskSignal: AbortSignal,
  ) {}

  send(message: InProcessMessage): SendMessageResult {
    const parsed = messageSchema.safeParse(message);
    if (!parsed.success) throw invalidInput('ctx.bus.send', parsed.error.issues);
    if (this.messaging === undefined) return { ok: false, reason: COMMUNICATION_OFF };
    const { to, content, type, inReplyTo } = parsed.data;
    return this.messaging.send({ to, content, messageType: type ?? (to === BROADCAST_RECIPIENT ? 'broadcast' : 'data'), ...(inReplyTo === undefined ? {} : { inReplyTo }) });
  }

  reply(request: RunMessage, content: string): SendMessageResult {
    return this.send({ to: request.taskId, content, type: 'response', inReplyTo: request.messageId });
  }

  messages(): readonly RunMessage[] {
    // The scheduler's log leaves out the task's own messages already.
    return this.messaging?.received() ?? [];
  }

  async request(message: Omit<InProcessMessage, 'type' | 'inReplyTo'>, options: InProcessWaitOptions = {}): Promise<RunMessage> {
    const sent = this.send({ to: message.to, content: message.content, type: 'request' });
    if (!sent.ok) throw new EnsembleError('AGENT_FAILED', `request to "${message.to}" was not sent: ${sent.reason}`, { details: { to: message.to } });
    const { bus } = this.requireLive('wait for a response');
    const requestId = sent.message.messageId;
    const isAnswer = (candidate: RunMessage): boolean => candidate.messageType === 'response' && candidate.inReplyTo === requestId;
    const stop = new AbortController();
    const signal = AbortSignal.any([this.taskSignal, stop.signal, ...(options.signal === undefined ? [] : [options.signal])]);
    // Listen first, then look at what was journaled already: no answer falls between the two.
    const waiting = bus.waitForResponse(this.runId, requestId, { signal });
    const early = this.messaging?.received().find(isAnswer);
    if (early === undefined) return waiting;
    stop.abort();
    waiting.catch(() => undefined);
    return early;
  }

  async waitForMessage(predicate: (message: RunMessage) => boolean = () => true, options: InProcessWaitOptions = {}): Promise<RunMessage> {
    const { bus, messaging } = this.requireLive('wait for a message');
    const signal = options.signal === undefined ? this.taskSignal : AbortSignal.any([this.taskSignal, options.signal]);
    if (signal.aborted) throw signal.reason;
    const accepts = (message: RunMessage): boolean => isFromOthers(message, messaging.recipient) && predicate(message);
    let settle: { resolve: (message: RunMessage) => void; reject: (reason: unknown) => void } | undefined;
    const arrived = new Promise<RunMessage>((resolve, reject) => (settle = { resolve, reject }));
    const unsubscribe = await bus.subscribe(this.runId, messaging.recipient, (message) => {
      if (accepts(message)) settle?.resolve(message);
    });
    const onAbort = (): void => settle?.reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const early = messaging.received().find(accepts);
      if (early !== undefined) return early;
      if (signal.aborted) throw signal.reason;
      return await arrived;
    } finally {
      signal.removeEventListener('abort', onAbort);
      await unsubscribe();
    }
  }

  private requireLive(action: string): { readonly messaging: AttemptMessaging; readonly bus: NonNullable<AttemptMessaging['bus']> } {
    if (this.messaging === undefined) throw new EnsembleError('AGENT_FAILED', `cannot ${action}: ${COMMUNICATION_OFF}`);
    if (this.messaging.bus === undefined) throw new EnsembleError('AGENT_FAILED', `cannot ${action}: this run has no message bus to deliver it`);
    return { messaging: this.messaging, bus: this.messaging.bus };
  }
}

/** The shared context store as one attempt sees it. */
export class AttemptSharedContext implements InProcessSharedContext {
  constructor(private readonly messaging: AttemptMessaging | undefined) {}

  get(key: string): string | undefined {
    return this.entry(key)?.value;
  }

  entry(key: string): SharedContextEntry | undefined {
    const parsed = keySchema.safeParse(key);
    if (!parsed.success) throw invalidInput('ctx.shared.get: key', parsed.error.issues);
    return this.messaging?.readShared(parsed.data);
  }

  update(key: string, value: string): SharedContextEntry {
    const parsedKey = keySchema.safeParse(key);
    if (!parsedKey.success) throw invalidInput('ctx.shared.update: key', parsedKey.error.issues);
    if (typeof value !== 'string') throw new EnsembleError('INVALID_INPUT', `ctx.shared.update: value of "${parsedKey.data}" must be a string (JSON.stringify structured values)`);
    if (this.messaging === undefined) throw new EnsembleError('AGENT_FAILED', `cannot update "${parsedKey.data}": the shared context store is off in this run (enableCommunication: false)`);
    return this.messaging.updateShared(parsedKey.data, value);
  }
}

function invalidInput(where: string, issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]): EnsembleError {
  const issue = issues[0];
  const path = issue === undefined || issue.path.length === 0 ? '' : `.${issue.path.map(String).join('.')}`;
  return new EnsembleError('INVALID_INPUT', `${where}${path}: ${issue?.message ?? 'invalid'}`);
}
