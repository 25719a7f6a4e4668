import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { deserializeError, EnsembleError, toEnsembleError } from '../core/index.js';
import type { ActivityEventType, ActivityPayload, DispatchContext, InvocationInfo, Logger, TaskDispatcher, TaskOutcome, TaskRequest, TaskSpec } from '../core/index.js';
import { stderrLogger } from '../host/index.js';
import { requestCancel } from './cancel-channel.js';
import { toStreamItem } from './execution-stream.js';
import { DEFAULT_PREFIX, TASK_QUEUE_NAME, dispatchKeys, type DispatchKeys } from './redis-keys.js';
import { StreamReader } from './stream-reader.js';
import { isTerminalItem, parseStreamItem, TASK_JOB_VERSION, toJobId, type StreamItem, type TaskJob, type TerminalItem } from './task-job.js';

/** Seconds completed jobs stay findable (a resumed coordinator attaches to them). */
const COMPLETED_JOB_AGE_SECONDS = 3_600;
/** Seconds jobs BullMQ itself failed stay (a worker stalled too often): for a person to look at. */
const FAILED_JOB_AGE_SECONDS = 86_400;
/** States of a job a dispatch follows instead of queueing the task again. */
const IN_FLIGHT_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** Options of {@link QueueDispatcher}. */
export interface QueueDispatcherOptions {
  /** Opens a Redis connection; the dispatcher opens the few it needs and closes them on `close()`. */
  readonly connect: () => Redis;
  /** Key prefix (and BullMQ prefix). @default 'ensemble' */
  readonly prefix?: string;
  /** How the coordinator describes a task (its own local dispatcher's `describe`). */
  readonly describe: (task: TaskSpec) => InvocationInfo;
  /** Agents that run in this process (library `registerAgent`): code cannot cross to a worker. */
  readonly local?: { readonly dispatcher: TaskDispatcher; readonly isLocal: (task: TaskSpec) => boolean };
  /** The job's data besides the request and received messages: agent definition, run settings, workspace. */
  readonly jobFor: (request: TaskRequest, context: DispatchContext) => Omit<TaskJob, 'version' | 'request' | 'received'>;
  /**
   * Task id -> execution id of an attempt in flight when the previous coordinator stopped: the
   * task's first dispatch follows that job (waiting, running, or completed with its end still in
   * its stream) instead of queueing it again. Each entry is used once.
   */
  readonly reattach?: ReadonlyMap<string, string>;
  /** How often jobs in flight are checked for having ended without a word on their stream (BullMQ failed or removed them), in ms. @default 2000 */
  readonly watchIntervalMs?: number;
  /** @default stderrLogger */
  readonly logger?: Logger;
}

/** One dispatch following its execution's stream. */
interface Following {
  readonly executionId: string;
  readonly jobId: string;
  /** Consecutive watch turns that found the job ended (or gone) while the dispatch was unsettled. */
  suspectTurns: number;
  readonly apply: (item: StreamItem) => void;
  readonly fail: (error: EnsembleError) => void;
}

/**
 * The coordinator's side of a distributed run: each attempt becomes a BullMQ job on `tasks`, a
 * worker runs it, and its reports come back on the execution's stream, applied to the scheduler's
 * context in order. One reader loop serves every execution in flight.
 */
export class QueueDispatcher implements TaskDispatcher {
  private readonly keys: DispatchKeys;
  private readonly logger: Logger;
  private readonly queueConnection: Redis;
  private readonly queue: Queue;
  private readonly commands: Redis;
  private readonly readerConnection: Redis;
  private readonly reader: StreamReader;
  private readonly reattach: Map<string, string>;
  private readonly following = new Map<string, Following>();
  private readonly watchTimer: NodeJS.Timeout;
  private isClosed = false;

  constructor(private readonly options: QueueDispatcherOptions) {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    this.keys = dispatchKeys(prefix);
    this.logger = options.logger ?? stderrLogger;
    this.queueConnection = options.connect();
    this.queue = new Queue(TASK_QUEUE_NAME, { connection: this.queueConnection, prefix });
    this.queue.on('error', (error) => this.logger.error('task queue error', error));
    this.commands = options.connect();
    this.readerConnection = options.connect();
    this.reader = new StreamReader(this.readerConnection, this.logger);
    this.reattach = new Map(options.reattach ?? []);
    this.watchTimer = setInterval(() => void this.watch(), options.watchIntervalMs ?? 2_000);
    this.watchTimer.unref();
  }

  describe(task: TaskSpec): InvocationInfo {
    return this.options.describe(task);
  }

  dispatch(request: TaskRequest, context: DispatchContext): Promise<TaskOutcome> {
    const { signal } = context;
    if (signal.aborted) return Promise.reject(signal.reason);
    const local = this.options.local;
    if (local?.isLocal(request.task) === true) return local.dispatcher.dispatch(request, context);
    if (this.isClosed) return Promise.reject(new EnsembleError('INTERNAL', `the task queue is closed; task ${request.task.id} was not dispatched`));
    return new Promise<TaskOutcome>((resolve, reject) => {
      let isSettled = false;
      let stopFollowing: (() => void) | undefined;
      let tracked: { executionId: string; jobId: string } | undefined;
      let isCancelSent = false;
      const resumes = new Map<string, () => void>();
      let workerStarts = 0;

      const settle = (finish: () => void): void => {
        if (isSettled) return;
        isSettled = true;
        signal.removeEventListener('abort', onAbort);
        stopFollowing?.();
        if (tracked !== undefined) this.following.delete(tracked.executionId);
        for (const resume of resumes.values()) resume();
        finish();
      };
      const cancelOnce = (): void => {
        if (isCancelSent || tracked === undefined || !signal.aborted) return;
        isCancelSent = true;
        this.cancel(tracked.executionId, tracked.jobId, toEnsembleError(signal.reason, 'RUN_CANCELLED')).catch((error: unknown) =>
          this.logger.error(`could not cancel execution ${tracked?.executionId ?? '?'}`, error),
        );
      };
      const onAbort = (): void => {
        settle(() => reject(signal.reason));
        cancelOnce();
      };
      signal.addEventListener('abort', onAbort, { once: true });

      const apply = (item: StreamItem): void => {
        if (isSettled) return;
        switch (item.kind) {
          case 'started':
            // A second start means the first worker stalled and another runs the job afresh.
            if (workerStarts++ > 0) context.reportOutput('', { restart: true });
            return;
          case 'output':
            context.reportOutput(item.delta, item.restart === true ? { restart: true } : undefined);
            return;
          case 'usage':
            context.reportUsage(item.usage, item.costUsd);
            return;
          case 'event':
            context.reportEvent(item.type, item.payload as unknown as ActivityPayload<ActivityEventType>);
            return;
          case 'warning':
            context.reportWarning(item.code, item.message);
            return;
          case 'message':
            // A refusal is journaled by the scheduler as a run:warning; the remote agent is not told.
            context.sendMessage(item.message);
            return;
          case 'shared':
            context.updateShared(item.key, item.value);
            return;
          case 'suspend':
            if (!resumes.has(item.id)) resumes.set(item.id, context.suspendTimeout());
            return;
          case 'resume':
            resumes.get(item.id)?.();
            resumes.delete(item.id);
            return;
          case 'result':
            settle(() => resolve(item.outcome));
            return;
          case 'failure':
            settle(() => reject(deserializeError(item.error)));
            return;
        }
      };

      const begin = async (): Promise<void> => {
        const target = await this.chooseJob(request, context);
        tracked = { executionId: target.executionId, jobId: target.jobId };
        // Aborted while the job was being found or added: it is cancelled now that it is known.
        if (isSettled) return cancelOnce();
        if (target.isReplay) context.reportOutput('', { restart: true });
        this.following.set(target.executionId, {
          executionId: target.executionId,
          jobId: target.jobId,
          suspectTurns: 0,
          apply,
          fail: (error) => settle(() => reject(error)),
        });
        stopFollowing = this.reader.follow(this.keys.stream(target.executionId), apply);
      };
      begin().catch((error: unknown) => settle(() => reject(toEnsembleError(error, 'REDIS_UNAVAILABLE'))));
    });
  }

  /** Stops reading and closes the connections; dispatches still in flight reject. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.watchTimer);
    for (const following of [...this.following.values()]) {
      following.fail(new EnsembleError('INTERNAL', `the task queue closed while execution ${following.executionId} ran`));
    }
    await this.reader.close();
    await this.queue.close().catch((error: unknown) => this.logger.error('closing the task queue failed', error));
    await Promise.allSettled([this.queueConnection.quit(), this.commands.quit(), this.readerConnection.quit()]);
  }

  /**
   * The job a dispatch follows: an in-flight one from the previous coordinator (reattach), or the
   * execution's own job, added unless it is already queued or running (never two jobs for one
   * attempt). A finished job of the same id (an execution id used again) is replaced.
   */
  private async chooseJob(request: TaskRequest, context: DispatchContext): Promise<{ executionId: string; jobId: string; isReplay: boolean }> {
    const earlier = this.reattach.get(request.task.id);
    if (earlier !== undefined) {
      this.reattach.delete(request.task.id);
      const jobId = toJobId(earlier);
      const state = await this.queue.getJobState(jobId);
      if (IN_FLIGHT_STATES.has(state) || (state === 'completed' && (await this.hasTerminalItem(earlier)))) {
        return { executionId: earlier, jobId, isReplay: true };
      }
    }
    const { executionId } = request;
    const jobId = toJobId(executionId);
    let state = await this.queue.getJobState(jobId);
    // A job whose end is already streamed is finishing (its worker has yet to mark it completed):
    // that execution is over, so the id is used afresh once BullMQ lets go of it.
    for (let waits = 0; IN_FLIGHT_STATES.has(state) && waits < 100 && (await this.hasTerminalItem(executionId)); waits++) {
      await sleep(50);
      state = await this.queue.getJobState(jobId);
    }
    if (IN_FLIGHT_STATES.has(state)) return { executionId, jobId, isReplay: false };
    if (state !== 'unknown') await this.queue.remove(jobId);
    // A fresh job starts from an empty stream and no cancel mark of an earlier use of the id.
    await this.commands.del(this.keys.stream(executionId), this.keys.cancelled(executionId), this.keys.groups(executionId));
    if (context.signal.aborted) return { executionId, jobId, isReplay: false };
    const job: TaskJob = { ...this.options.jobFor(request, context), version: TASK_JOB_VERSION, request, received: context.receivedMessages() };
    await this.queue.add(request.task.id, job, {
      jobId,
      attempts: 1,
      // BullMQ: 1 is the highest priority; a task's 10 is its highest.
      priority: 11 - request.task.priority,
      removeOnComplete: { age: COMPLETED_JOB_AGE_SECONDS },
      removeOnFail: { age: FAILED_JOB_AGE_SECONDS },
    });
    return { executionId, jobId, isReplay: false };
  }

  private async hasTerminalItem(executionId: string): Promise<boolean> {
    const last = await this.commands.xrevrange(this.keys.stream(executionId), '+', '-', 'COUNT', 1);
    const item = last[0] === undefined ? undefined : toStreamItem(last[0][1]);
    return item !== undefined && isTerminalItem(item);
  }

  private async cancel(executionId: string, jobId: string, reason: EnsembleError): Promise<void> {
    await requestCancel(this.commands, this.keys, executionId, reason);
    // Removes it only while it waits: an active job is locked, and its worker heard the cancel.
    await this.queue.remove(jobId);
  }

  /**
   * Ends dispatches whose job ended without its end reaching the stream: BullMQ failed it (a worker
   * stalled more than `maxStalledCount` times), or it was removed. Two turns in a row, so a terminal
   * item on its way through the reader is never overtaken.
   */
  private async watch(): Promise<void> {
    const watched = [...this.following.values()];
    if (watched.length === 0 || this.isClosed) return;
    let replies: ([Error | null, unknown] | undefined)[];
    try {
      const pipeline = this.commands.pipeline();
      for (const following of watched) pipeline.hmget(this.keys.job(following.jobId), 'timestamp', 'finishedOn', 'failedReason', 'returnvalue');
      replies = (await pipeline.exec()) ?? [];
    } catch (error) {
      this.logger.error('checking jobs in flight failed', error);
      return;
    }
    watched.forEach((following, index) => {
      const [error, value] = replies[index] ?? [null, undefined];
      if (error !== null || !Array.isArray(value)) return;
      const [timestamp, finishedOn, failedReason, returnValue] = value as (string | null)[];
      const hasEnded = timestamp === null || finishedOn !== null;
      following.suspectTurns = hasEnded ? following.suspectTurns + 1 : 0;
      if (following.suspectTurns < 2) return;
      const terminal = terminalOf(returnValue ?? null);
      if (terminal !== undefined) {
        following.apply(terminal);
        return;
      }
      const why = timestamp === null ? 'was removed from the queue' : `failed in the queue: ${failedReason ?? 'no reason given'}`;
      following.fail(new EnsembleError('AGENT_FAILED', `the job of execution ${following.executionId} ${why}`, { retryable: true, details: { executionId: following.executionId } }));
    });
  }
}

/** The terminal item a completed job returned (a worker returns it as well as streaming it). */
function terminalOf(returnValue: string | null): TerminalItem | undefined {
  if (returnValue === null) return undefined;
  try {
    const item = parseStreamItem(JSON.parse(returnValue));
    return item !== undefined && isTerminalItem(item) ? item : undefined;
  } catch {
    return undefined;
  }
}
