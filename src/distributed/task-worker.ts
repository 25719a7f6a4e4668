import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { EnsembleError, isEnsembleError, serializeError, toEnsembleError } from '../core/index.js';
import type { DispatchContext, Logger, MessageBus, TaskOutcome } from '../core/index.js';
import { stderrLogger } from '../host/index.js';
import { toBullWorkerConnection } from './bull-connection.js';
import { readCancel, subscribeCancels } from './cancel-channel.js';
import { ExecutionStreamWriter } from './execution-stream.js';
import { forgetProcessGroup, killLeftoverGroups, reapDeadWorkersGroups, recordProcessGroup } from './process-group-records.js';
import { DEFAULT_PREFIX, TASK_QUEUE_NAME, dispatchKeys } from './redis-keys.js';
import { createRemoteDispatchContext } from './remote-dispatch-context.js';
import { parseTaskJob, type TaskJob, type TerminalItem } from './task-job.js';
import { heartbeatTimingOf, writeWorkerHeartbeat, type WorkerStatus } from './worker-registry.js';

/** What a worker reports about each job it runs (for `ensemble worker`'s output). */
export interface TaskJobEvent {
  readonly executionId: string;
  readonly phase: 'start' | 'end';
  /** At `end`: how the attempt ended. */
  readonly status?: 'succeeded' | 'failed' | 'cancelled';
  /** At `end` of a failed or cancelled attempt. */
  readonly error?: EnsembleError;
}

/** Options of {@link startTaskWorker}. */
export interface TaskWorkerOptions {
  /** Opens a Redis connection; the worker opens the few it needs and closes them on `close()`. */
  readonly connect: () => Redis;
  /** Key prefix (and BullMQ prefix). @default 'ensemble' */
  readonly prefix?: string;
  /** Jobs this process runs at once. */
  readonly concurrency: number;
  /** Runs one attempt (the caller builds a LocalDispatcher for the job); rejects with an EnsembleError on failure. */
  readonly execute: (job: TaskJob, context: DispatchContext) => Promise<TaskOutcome>;
  /** Maps the coordinator's workspace path to this machine's (`--workspace`). @default job.workspace */
  readonly workspaceFor?: (job: TaskJob) => string;
  /** BullMQ's job lock, in ms: a killed worker's job is taken over by another worker's stalled check within ~2x this. @default 10000 */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs, in ms. @default lockDurationMs */
  readonly stalledIntervalMs?: number;
  /** Times a job may stall (its worker die) before BullMQ fails it for good. @default 5 */
  readonly maxStalledCount?: number;
  /** How long `close()` lets running jobs finish before aborting them, in ms. @default 30000 */
  readonly closeGraceMs?: number;
  /** The run's message bus: messages published while a job runs reach its `receivedMessages()`. */
  readonly bus?: MessageBus;
  /** @default stderrLogger */
  readonly logger?: Logger;
  readonly onJob?: (event: TaskJobEvent) => void;
}

/** A running worker process's handle. */
export interface TaskWorker {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /**
   * Stops taking jobs and waits for the running ones: they finish, or after the grace (or at once
   * with `abort`) are aborted and end with a retryable failure, so the coordinator retries them.
   */
  close(options?: { readonly abort?: boolean; readonly graceMs?: number }): Promise<void>;
}

/** Anything `execute` throws, as the local runtimes see it: unknown failures may be retried. */
function toAgentError(thrown: unknown): EnsembleError {
  if (isEnsembleError(thrown)) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new EnsembleError('AGENT_FAILED', message || 'agent failed', { retryable: true, cause: thrown });
}

/** The execution id a job's data names, even when the data is otherwise invalid. */
function executionIdOf(data: unknown, fallback: string): string {
  const request = typeof data === 'object' && data !== null ? (data as { request?: unknown }).request : undefined;
  const executionId = typeof request === 'object' && request !== null ? (request as { executionId?: unknown }).executionId : undefined;
  return typeof executionId === 'string' && executionId.length > 0 ? executionId : fallback;
}

/**
 * Starts a worker: takes task jobs off the queue (`concurrency` at a time), runs each through
 * `execute` and streams what it reports to the coordinator; the job completes in BullMQ with the
 * terminal item as its return value (an agent's failure is a `failure` item, never a failed job).
 * Resolves once the worker listens for cancels.
 */
export async function startTaskWorker(options: TaskWorkerOptions): Promise<TaskWorker> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const keys = dispatchKeys(prefix);
  const logger = options.logger ?? stderrLogger;
  const host = hostname();
  const pid = process.pid;
  const id = `${host}-${pid}-${randomBytes(3).toString('hex')}`;
  const startedAt = Date.now();
  const lockDurationMs = options.lockDurationMs ?? 10_000;
  const commands = options.connect();
  commands.on('error', () => undefined);
  const running = new Map<string, AbortController>();
  /** The abort reason of the tasks this worker gives back to the queue when it stops. */
  const handBack = new EnsembleError('AGENT_FAILED', `worker ${id} stopped while the task ran; the task goes back to the queue`, { retryable: true });

  const closeCancels = await subscribeCancels(
    options.connect(),
    keys,
    (executionId, reason) => running.get(executionId)?.abort(reason),
    logger,
  );

  const beat = heartbeatTimingOf(lockDurationMs);
  let isReaping = false;
  const suspects = new Set<string>();
  const heartbeat = (): void => {
    const status: WorkerStatus = { id, host, pid, concurrency: options.concurrency, running: running.size, startedAt };
    writeWorkerHeartbeat(commands, prefix, status, beat.ttlMs).catch((error: unknown) => logger.error(`worker ${id}: heartbeat failed`, error));
    // A cancel published while this worker's subscriber was away (Redis restarting) is still marked: look.
    for (const [executionId, controller] of running) {
      if (controller.signal.aborted) continue;
      readCancel(commands, keys, executionId)
        .then((reason) => {
          if (reason !== undefined) controller.abort(reason);
        })
        .catch((error: unknown) => logger.error(`worker ${id}: reading the cancel mark of ${executionId} failed`, error));
    }
    // Every live worker looks after the agents of dead workers on its host (one sweep at a time).
    if (isReaping) return;
    isReaping = true;
    reapDeadWorkersGroups(commands, keys, host, logger, suspects)
      .catch((error: unknown) => logger.error(`worker ${id}: looking for a stopped worker's agents failed`, error))
      .finally(() => (isReaping = false));
  };
  heartbeat();
  const heartbeatTimer = setInterval(heartbeat, beat.intervalMs);
  heartbeatTimer.unref();

  const emit = (event: TaskJobEvent): void => {
    try {
      options.onJob?.(event);
    } catch (error) {
      logger.error('a worker job listener threw', error);
    }
  };

  const processJob = async (bullJob: Job, token?: string): Promise<TerminalItem> => {
    const parsed = parseTaskJob(bullJob.data);
    const executionId = parsed.ok ? parsed.job.request.executionId : executionIdOf(bullJob.data, bullJob.id ?? 'unknown');
    const writer = new ExecutionStreamWriter(commands, keys.stream(executionId), logger);
    if (!parsed.ok) {
      logger.warn(`worker ${id}: job ${bullJob.id ?? '?'} is not a task job: ${parsed.problem}`);
      const item: TerminalItem = { kind: 'failure', error: serializeError(new EnsembleError('INVALID_INPUT', parsed.problem, { details: { jobId: bullJob.id } })) };
      await writer.finish(item);
      return item;
    }
    const job = parsed.job;
    const controller = new AbortController();
    running.set(executionId, controller);
    const groupWrites = new Set<Promise<void>>();
    const track = (write: Promise<void>): void => {
      const tracked = write.catch((error: unknown) => logger.error(`execution ${executionId}: recording a process group failed`, error));
      groupWrites.add(tracked);
      void tracked.finally(() => groupWrites.delete(tracked));
    };
    emit({ executionId, phase: 'start' });
    let item: TerminalItem;
    try {
      // Checked after registering for cancels: a cancel published from here on reaches `controller`.
      const cancelled = await readCancel(commands, keys, executionId);
      if (cancelled !== undefined) {
        item = { kind: 'failure', error: serializeError(cancelled) };
        await writer.finish(item);
        emit({ executionId, phase: 'end', status: 'cancelled', error: cancelled });
        return item;
      }
      await killLeftoverGroups(commands, keys, executionId, host, logger);
      writer.append({ kind: 'started', worker: { id, host, pid }, at: Date.now() });
      const remote = await createRemoteDispatchContext({
        job,
        signal: controller.signal,
        workspace: options.workspaceFor?.(job) ?? job.workspace,
        writer,
        onEvent: (type, payload) => {
          if (type !== 'agent:process') return;
          const group = payload as unknown as { state: string; pid: number; pgid: number; host: string; startTicks?: number };
          if (group.state === 'started') track(recordProcessGroup(commands, keys, executionId, { ...group, worker: id }));
          else track(forgetProcessGroup(commands, keys, executionId, group.pgid));
        },
        ...(options.bus === undefined ? {} : { bus: options.bus }),
      });
      let failure: EnsembleError | undefined;
      try {
        const outcome = await options.execute(job, remote.context);
        item = { kind: 'result', outcome: { ...outcome } };
      } catch (error) {
        failure = controller.signal.aborted ? toEnsembleError(controller.signal.reason) : toAgentError(error);
        item = { kind: 'failure', error: serializeError(failure) };
      } finally {
        await remote.dispose().catch((error: unknown) => logger.error(`execution ${executionId}: leaving the bus failed`, error));
      }
      if (controller.signal.reason === handBack && token !== undefined) {
        // This worker stops: the job goes back to the queue unfinished, for another worker to run from the start.
        await bullJob.moveToDelayed(Date.now(), token);
        emit({ executionId, phase: 'end', status: 'cancelled', error: handBack });
        throw new DelayedError();
      }
      await writer.finish(item);
      emit({
        executionId,
        phase: 'end',
        status: failure === undefined ? 'succeeded' : controller.signal.aborted ? 'cancelled' : 'failed',
        ...(failure === undefined ? {} : { error: failure }),
      });
      return item;
    } finally {
      running.delete(executionId);
      await Promise.all(groupWrites);
      await commands.del(keys.groups(executionId)).catch((error: unknown) => logger.error(`execution ${executionId}: could not delete its process groups`, error));
    }
  };

  const worker = new Worker(TASK_QUEUE_NAME, processJob, {
    connection: toBullWorkerConnection(commands),
    prefix,
    concurrency: options.concurrency,
    lockDuration: lockDurationMs,
    stalledInterval: options.stalledIntervalMs ?? lockDurationMs,
    maxStalledCount: options.maxStalledCount ?? 5,
  });
  worker.on('error', (error) => logger.error(`worker ${id}: queue error`, error));

  let closing: Promise<void> | undefined;
  const close = (closeOptions: { readonly abort?: boolean; readonly graceMs?: number } = {}): Promise<void> => {
    closing ??= (async () => {
      const abortAll = (): void => {
        for (const controller of running.values()) controller.abort(handBack);
      };
      const graceTimer = closeOptions.abort === true ? undefined : setTimeout(abortAll, closeOptions.graceMs ?? options.closeGraceMs ?? 30_000);
      if (closeOptions.abort === true) abortAll();
      try {
        await worker.close();
      } finally {
        if (graceTimer !== undefined) clearTimeout(graceTimer);
        clearInterval(heartbeatTimer);
        await closeCancels();
        await commands.del(keys.worker(id)).catch(() => undefined);
        await commands.quit().catch(() => commands.disconnect());
      }
    })();
    return closing;
  };

  return { id, host, pid, close };
}
