import { EnsembleError } from './errors.js';
import type { EventOutbox } from './event-outbox.js';
import type { Clock, SendMessageResult } from './ports.js';
import { BROADCAST_RECIPIENT, MESSAGE_TYPES, isMessageFor, type MessageLimits, type OutgoingMessage, type RunMessage, type SharedContextEntry } from './run-messages.js';
import type { TaskSpec } from './schema.js';

/** Longest value of one shared context key, in characters. */
const MAX_SHARED_VALUE_CHARS = 64_000;
/** Distinct keys of a run's shared context store. */
const MAX_SHARED_KEYS = 256;
const SHARED_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$/;

/** What a run's agents said to each other and wrote to the shared store, as earlier executions journaled it. */
export interface PriorCommunication {
  readonly messages?: readonly RunMessage[];
  /** Every version of every shared key, in journal order. */
  readonly sharedUpdates?: readonly SharedContextEntry[];
}

/**
 * The run's agent messages and shared context store: checks what an agent sends (recipient,
 * per-task count and size limits), journals it through the outbox, and keeps the log every later
 * task's context is built from. A refusal is a `run:warning`, never a task failure.
 */
export class RunCommunication {
  readonly messages: RunMessage[] = [];
  private readonly runId: string;
  private readonly outbox: EventOutbox;
  private readonly clock: Clock;
  private readonly limits: MessageLimits;
  private readonly isEnabled: boolean;
  private readonly recipients = new Set<string>([BROADCAST_RECIPIENT]);
  /** Messages sent per task, over all its attempts and executions. */
  private readonly sentByTask = new Map<string, number>();
  /** Messages sent per attempt (`<taskId>:<attempt>`), numbering their ids. */
  private readonly sentByAttempt = new Map<string, number>();
  private readonly shared = new Map<string, SharedContextEntry[]>();

  constructor(options: { readonly runId: string; readonly outbox: EventOutbox; readonly clock: Clock; readonly limits: MessageLimits; readonly isEnabled: boolean }) {
    this.runId = options.runId;
    this.outbox = options.outbox;
    this.clock = options.clock;
    this.limits = options.limits;
    this.isEnabled = options.isEnabled;
  }

  /** Tasks (and their agents) that messages may be addressed to. */
  addRecipients(tasks: readonly TaskSpec[]): void {
    for (const task of tasks) {
      this.recipients.add(task.id);
      this.recipients.add(task.agentName);
    }
  }

  /** Takes over what earlier executions journaled (resume). */
  restore(prior: PriorCommunication): void {
    for (const message of prior.messages ?? []) {
      this.messages.push(message);
      this.sentByTask.set(message.taskId, (this.sentByTask.get(message.taskId) ?? 0) + 1);
    }
    for (const entry of prior.sharedUpdates ?? []) this.versionsOf(entry.key).push(entry);
  }

  /** Sends one message from `task`'s `attempt`: journaled as `agent:message`, or refused with a `run:warning`. */
  send(task: TaskSpec, attempt: number, outgoing: OutgoingMessage): SendMessageResult {
    // A re-run (a retry, or a resume after a crash) saying again what an earlier attempt said sends nothing new.
    const earlier = this.findEarlierSend(task, attempt, outgoing);
    if (earlier !== undefined) return { ok: true, message: earlier };
    const refusal = this.checkMessage(task, outgoing);
    if (refusal !== undefined) {
      this.outbox.record('run:warning', { code: refusal.code, message: refusal.reason, taskId: task.id, agentName: task.agentName });
      return { ok: false, reason: refusal.reason };
    }
    const attemptKey = `${task.id}:${attempt}`;
    const number = (this.sentByAttempt.get(attemptKey) ?? 0) + 1;
    this.sentByAttempt.set(attemptKey, number);
    this.sentByTask.set(task.id, (this.sentByTask.get(task.id) ?? 0) + 1);
    const message: RunMessage = {
      // The execution id is unique across resumes, so the message id is too.
      messageId: `${this.runId}:${task.id}:${attempt}:m${number}`,
      runId: this.runId,
      taskId: task.id,
      from: task.agentName,
      to: outgoing.to,
      messageType: outgoing.to === BROADCAST_RECIPIENT && outgoing.messageType === 'data' ? 'broadcast' : outgoing.messageType,
      content: outgoing.content,
      ...(outgoing.inReplyTo === undefined ? {} : { inReplyTo: outgoing.inReplyTo }),
      at: this.clock.now(),
    };
    this.messages.push(message);
    const { messageId, from, to, messageType, content, inReplyTo } = message;
    this.outbox.record('agent:message', {
      taskId: task.id,
      agentName: task.agentName,
      attempt,
      messageId,
      from,
      to,
      messageType,
      content,
      ...(inReplyTo === undefined ? {} : { inReplyTo }),
    });
    return { ok: true, message };
  }

  /** The messages `task` receives (to its id, its agent, or everyone), in order; none from itself. */
  receivedBy(task: TaskSpec): RunMessage[] {
    return this.messages.filter((message) => message.taskId !== task.id && isMessageFor(message, task));
  }

  /** The latest value of a shared key. */
  read(key: string): SharedContextEntry | undefined {
    const versions = this.shared.get(key);
    return versions?.[versions.length - 1];
  }

  /** One version of a shared key. */
  readVersion(key: string, version: number): SharedContextEntry | undefined {
    return this.shared.get(key)?.[version - 1];
  }

  /** The latest version of every shared key, in order of first write. */
  latestShared(): SharedContextEntry[] {
    const latest: SharedContextEntry[] = [];
    for (const versions of this.shared.values()) latest.push(versions[versions.length - 1]!);
    return latest;
  }

  /** Writes a shared key from `task`'s `attempt` (journaled as `context:update`); throws INVALID_INPUT naming the problem. */
  update(task: TaskSpec, attempt: number, key: string, value: string): SharedContextEntry {
    const problem = this.checkUpdate(key, value);
    if (problem !== undefined) {
      this.outbox.record('run:warning', { code: 'CONTEXT_UPDATE_LIMIT', message: problem, taskId: task.id, agentName: task.agentName });
      throw new EnsembleError('INVALID_INPUT', problem, { details: { key } });
    }
    const versions = this.versionsOf(key);
    const entry: SharedContextEntry = { key, value, version: versions.length + 1, agentName: task.agentName, taskId: task.id, at: this.clock.now() };
    versions.push(entry);
    this.outbox.record('context:update', { taskId: task.id, agentName: task.agentName, attempt, key, value, version: entry.version });
    return entry;
  }

  private findEarlierSend(task: TaskSpec, attempt: number, outgoing: OutgoingMessage): RunMessage | undefined {
    return this.messages.find(
      (message) =>
        message.taskId === task.id &&
        attemptOf(message) < attempt &&
        message.to === outgoing.to &&
        message.content === outgoing.content &&
        message.inReplyTo === outgoing.inReplyTo &&
        (message.messageType === outgoing.messageType || (message.messageType === 'broadcast' && outgoing.messageType === 'data')),
    );
  }

  private versionsOf(key: string): SharedContextEntry[] {
    let versions = this.shared.get(key);
    if (versions === undefined) {
      versions = [];
      this.shared.set(key, versions);
    }
    return versions;
  }

  private checkMessage(task: TaskSpec, outgoing: OutgoingMessage): { readonly code: 'MESSAGE_UNKNOWN_RECIPIENT' | 'MESSAGE_LIMIT' | 'MESSAGES_DISABLED'; readonly reason: string } | undefined {
    const from = `task "${task.id}" (${task.agentName})`;
    if (!this.isEnabled) return { code: 'MESSAGES_DISABLED', reason: `agent messages are off for this run (enableCommunication: false); the message of ${from} was not sent` };
    if (!(MESSAGE_TYPES as readonly string[]).includes(outgoing.messageType)) {
      return { code: 'MESSAGE_LIMIT', reason: `message type "${outgoing.messageType}" of ${from} is not one of ${MESSAGE_TYPES.join(', ')}` };
    }
    if (!this.recipients.has(outgoing.to)) {
      return { code: 'MESSAGE_UNKNOWN_RECIPIENT', reason: `${from} sent a message to "${outgoing.to}", which is no agent or task of this run; use an agent name, a task id, or "*"` };
    }
    const sent = this.sentByTask.get(task.id) ?? 0;
    if (sent >= this.limits.maxMessagesPerTask) {
      return { code: 'MESSAGE_LIMIT', reason: `${from} already sent ${sent} messages, the most one task may send` };
    }
    if (outgoing.content.length > this.limits.maxMessageChars) {
      return {
        code: 'MESSAGE_LIMIT',
        reason: `the message of ${from} to "${outgoing.to}" has ${outgoing.content.length} characters, more than the ${this.limits.maxMessageChars} one message may have`,
      };
    }
    return undefined;
  }

  private checkUpdate(key: string, value: string): string | undefined {
    if (!SHARED_KEY_PATTERN.test(key)) return `shared context key "${key.slice(0, 80)}" must be 1-200 characters of letters, digits and "_.:/-", starting with a letter or digit`;
    if (!this.isEnabled) return `the shared context store is off for this run (enableCommunication: false); "${key}" was not written`;
    if (value.length > MAX_SHARED_VALUE_CHARS) return `the value of shared context key "${key}" has ${value.length} characters, more than ${MAX_SHARED_VALUE_CHARS}`;
    if (!this.shared.has(key) && this.shared.size >= MAX_SHARED_KEYS) return `the shared context store already holds ${MAX_SHARED_KEYS} keys; "${key}" was not added`;
    return undefined;
  }
}

/** The sending attempt, from the message id (`…:<attempt>:m<n>`); 0 when the id has another form. */
function attemptOf(message: RunMessage): number {
  const match = /:(\d+):m\d+$/.exec(message.messageId);
  return match === null ? 0 : Number(match[1]);
}
