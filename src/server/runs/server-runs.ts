import { applyRunEvent, createRunState, EnsembleError, type Logger, type RunEvent, type RunState } from '../../core/index.js';
import type { AgentRegistry } from '../../agents/index.js';
import type { EnsembleConfig } from '../../config/index.js';
import { AgentOrchestrator, prepareTicketResume, prepareTicketRun, requestRunCancel, TICKET_RUN_WORKFLOW_ID, type OrchestratorConfig, type TicketRunRequest } from '../../orchestrator/index.js';
import type { TicketRunOptionsInput } from '../../codebase/index.js';
import type { RunStore } from '../../store/index.js';
import { withoutCredentials } from '../../distributed/index.js';
import type { RunEventFeeds } from '../sse/index.js';

/** What every run the server starts shares: the journal, the agents, where it works. */
export interface ServerRunsOptions {
  readonly store: RunStore;
  readonly feeds: RunEventFeeds;
  readonly registry: AgentRegistry;
  readonly ensembleConfig: EnsembleConfig;
  /** Working directory of the runs' process agents and file tools. */
  readonly workspaceDir: string;
  readonly agentDirs: readonly string[];
  readonly logger: Logger;
  /** Simulated agents' latency per task, in ms (demos, tests). */
  readonly simulatedLatencyMs?: number;
  /** Told every event of every run this server executes, after it is journaled (metrics). */
  readonly onEvent?: (event: RunEvent) => void;
  /** `serve --redis`: the runs it starts put their tasks on this Redis's queue for `ensemble worker`s. */
  readonly redis?: string;
  readonly redisPrefix?: string;
}

/** A run the server executes now. */
interface ActiveRun {
  readonly orchestrator: AgentOrchestrator;
  readonly state: RunState;
  readonly done: Promise<unknown>;
}

/** A run that started: its id, name and size. */
export interface StartedRun {
  readonly runId: string;
  readonly workflowName: string;
  readonly taskCount: number;
}

/** The `details` a shutdown leaves on the runs it interrupts, so the next start resumes them. */
export const RESUME_ON_START = 'resumeOnServerStart';

/**
 * The runs this server executes: started from a request (a workflow, a consultation, a meeting,
 * a resume), fanned out to followers as their events are journaled, cancelled or interrupted. A
 * run outlives the request that started it: a client that goes away does not stop it.
 */
export class ServerRuns {
  private readonly active = new Map<string, ActiveRun>();
  private isClosing = false;

  constructor(private readonly options: ServerRunsOptions) {}

  /** The orchestrator settings every server run gets, under the request's own. */
  baseConfig(): OrchestratorConfig {
    const { options } = this;
    return {
      store: options.store,
      registry: options.registry,
      ensembleConfig: options.ensembleConfig,
      workspaceDir: options.workspaceDir,
      ...(options.agentDirs.length === 0 ? {} : { agentDirs: [...options.agentDirs] }),
      logger: options.logger,
      ...(options.simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs: options.simulatedLatencyMs }),
      ...(options.redis === undefined ? {} : { redis: options.redis }),
      ...(options.redisPrefix === undefined ? {} : { redisPrefix: options.redisPrefix }),
    };
  }

  private ticketRunRequest(): TicketRunRequest {
    const { store, logger, simulatedLatencyMs, workspaceDir, agentDirs, registry, ensembleConfig } = this.options;
    return {
      storePath: store.path,
      workspaceDir,
      agentDirs,
      orchestrator: { logger, registry, ensembleConfig, ...(simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs }) },
    };
  }

  /** Runs executing in this process now. */
  get runningCount(): number {
    return this.active.size;
  }

  /** The state of every run executing in this process, as the core reducer folds it. */
  *liveStates(): Iterable<RunState> {
    for (const run of this.active.values()) yield run.state;
  }

  /** The state of one run if this process executes it now. */
  liveState(runId: string): RunState | undefined {
    return this.active.get(runId)?.state;
  }

  /**
   * Starts a prepared orchestrator (`execute`, `resume`, a conversation's `run`) and resolves once
   * its first event is journaled, with the run's id. A request that is refused before anything is
   * journaled (an invalid graph, an unknown agent) rejects with that error and leaves no run.
   */
  async launch(orchestrator: AgentOrchestrator, start: () => Promise<unknown>): Promise<StartedRun> {
    if (this.isClosing) throw new EnsembleError('PROVIDER_UNAVAILABLE', 'the server is shutting down; start the run again once it is back');
    const state = createRunState();
    orchestrator.on('*', (event) => {
      applyRunEvent(state, event);
      this.options.feeds.publish(event);
      this.options.onEvent?.(event);
    });
    const started = new AbortController();
    const firstEvent = orchestrator.waitForEvent('workflow:start', undefined, { signal: started.signal });
    // Attached before the run can settle, so an early failure is never an unhandled rejection.
    const done: Promise<unknown> = start();
    const outcome = done.then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    const first = await Promise.race([firstEvent.then((event) => ({ event })), outcome]);
    started.abort();
    firstEvent.catch(() => {});
    if (first === undefined || 'error' in first) {
      if (first !== undefined) throw first.error;
      throw new EnsembleError('INTERNAL', 'the run ended before its first event');
    }
    const { runId, workflowName, taskCount } = first.event;
    this.options.feeds.attachLocal(runId);
    const run: ActiveRun = { orchestrator, state, done };
    this.active.set(runId, run);
    void outcome.then((ended) => {
      if (ended !== undefined) this.options.logger.error(`run ${runId} ended with an error`, ended.error);
      if (this.active.get(runId) === run) this.active.delete(runId);
      this.options.feeds.detachLocal(runId);
    });
    return { runId, workflowName, taskCount };
  }

  /** Starts a run of the queued tickets by a team of agents on the server's workspace (`POST /api/tickets/run`). */
  async startTickets(options: TicketRunOptionsInput): Promise<StartedRun> {
    const run = await prepareTicketRun(this.ticketRunRequest(), options);
    return this.launch(run.orchestrator, () => run.start());
  }

  /** Resumes an unfinished run of the journal in this process, with its stored settings. */
  async resume(runId: string): Promise<StartedRun> {
    if (this.active.has(runId)) throw new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" is running in this server`, { details: { runId } });
    const { store, logger, simulatedLatencyMs } = this.options;
    // A ticket run resumes with its team, mode and the wiring around each ticket (leases, worktrees, commits).
    if (store.getRun(runId)?.workflowId === TICKET_RUN_WORKFLOW_ID) {
      const run = await prepareTicketResume(this.ticketRunRequest(), runId);
      return this.launch(run.orchestrator, () => run.start());
    }
    // Only the journal and the logger: the run's own workspace, agent folders and config file apply, as for `ensemble resume`.
    // A distributed run keeps its Redis (without credentials): the server's own URL carries them when it names the same server.
    const redis = this.options.redis;
    const storedRedis = store.getRun(runId)?.spec.settings?.redis;
    const sameRedis = redis !== undefined && storedRedis !== undefined && withoutCredentials(redis) === storedRedis;
    const orchestrator = new AgentOrchestrator({
      store,
      logger,
      ...(simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs }),
      ...(sameRedis ? { redis } : {}),
      ...(this.options.redisPrefix === undefined ? {} : { redisPrefix: this.options.redisPrefix }),
    });
    return this.launch(orchestrator, () => orchestrator.resume(runId));
  }

  /**
   * Cancels a run: this server's directly; another process's through the journal (it stops
   * within its cancel poll); an interrupted one is marked cancelled at once.
   */
  cancel(runId: string): { readonly runId: string; readonly status: 'cancelling' | 'cancelled' } {
    const active = this.active.get(runId);
    if (active !== undefined) {
      active.orchestrator.cancel('cancelled over the HTTP API');
      return { runId, status: 'cancelling' };
    }
    return { runId, status: requestRunCancel(this.options.store, runId) === 'cancelled' ? 'cancelled' : 'cancelling' };
  }

  /**
   * Stops accepting runs and interrupts every running one (they end `interrupted`, marked for
   * the next start to resume), waiting at most `graceMs` for them to journal their end.
   */
  async interruptAll(graceMs: number): Promise<void> {
    this.isClosing = true;
    const runs = [...this.active.values()];
    for (const run of runs) run.orchestrator.interrupt('the server shut down; it resumes this run when it starts again', { [RESUME_ON_START]: true });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    try {
      await Promise.race([Promise.allSettled(runs.map((run) => run.done)), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resumes the runs an earlier shutdown interrupted; returns their ids. Runs another server took meanwhile are left to it. */
  async resumeInterrupted(): Promise<string[]> {
    const { store, logger } = this.options;
    const resumed: string[] = [];
    for (const run of store.listRuns({ status: 'interrupted', limit: 1000 })) {
      const lastSeq = store.lastSeq(run.runId);
      const [last] = store.readEvents(run.runId, { afterSeq: lastSeq - 1 });
      if (last?.type !== 'workflow:error' || last.error.code !== 'RUN_INTERRUPTED' || last.error.details?.[RESUME_ON_START] !== true) continue;
      try {
        await this.resume(run.runId);
        resumed.push(run.runId);
      } catch (error) {
        logger.warn(`could not resume run ${run.runId} that the last shutdown interrupted: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return resumed;
  }
}
