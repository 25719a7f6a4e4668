import { basename, dirname, resolve } from 'node:path';
import { EnsembleError, type RunEvent, type RunOutcome, type TaskInput, type TerminalDecision } from '../core/index.js';
import { buildAgentEnvironment, loadAgentRegistry, type AgentRegistry } from '../agents/index.js';
import {
  composeTicketPrompt,
  createTicketFailurePolicy,
  resolveMainBranch,
  ReviewQueue,
  startCadence,
  TicketAdmission,
  TmuxTeam,
  type TmuxTeamOptions,
  TicketDispatcher,
  ticketRunOptionsSchema,
  type TicketFailureNotes,
  type TicketRunOptions,
  type TicketRunOptionsInput,
} from '../codebase/index.js';
import { openRunStore, type RunStore, type TicketRecord } from '../store/index.js';
import { AgentOrchestrator } from './agent-orchestrator.js';
import { createRunId } from './run-id.js';
import type { OrchestratorConfig } from './orchestrator-config.js';

/** The workflow id of ticket runs: `resume` knows them by it. */
export const TICKET_RUN_WORKFLOW_ID = 'tickets';

/** How often a ticket run looks for new tickets (`follow`), freed leases and ended pauses, in ms. */
const POLL_MS = 1_000;

/** What a ticket run needs besides its options. */
export interface TicketRunRequest {
  /** The journal file (tickets, leases, escalations and reviews live in it too). */
  readonly storePath: string;
  /** The repository the team works on (its main worktree). */
  readonly workspaceDir: string;
  readonly agentDirs?: readonly string[];
  /** More orchestrator settings (provider, model, a preloaded registry, simulated latency, a clock). */
  readonly orchestrator?: Omit<OrchestratorConfig, 'store' | 'workspaceDir' | 'agentDirs' | 'admission' | 'terminalPolicy' | 'wrapDispatcher' | 'processWindows'>;
  /** tmux mode: a private tmux server (tests) and the window runner's path. @default the user's default server */
  readonly tmux?: Omit<TmuxTeamOptions, 'team'>;
}

/** A prepared ticket run: listen on `orchestrator`, then `start()`. */
export interface TicketRun {
  readonly orchestrator: AgentOrchestrator;
  /** The tickets it works (a `follow` run picks up more as they are added). */
  readonly ticketIds: readonly string[];
  /** Tickets left out, with why (a dependency that failed, no team member for its capability). */
  readonly skipped: readonly { readonly ticketId: string; readonly reason: string }[];
  /** Runs (or resumes) it to its end; tickets it leaves unfinished go back to the queue unless the run was interrupted. */
  start(options?: { readonly signal?: AbortSignal }): Promise<RunOutcome>;
}

/**
 * Prepares a run of the queued tickets by a team of agents: each ticket becomes a task (its
 * dependencies on tickets of the same run kept, those on done tickets dropped), assigned at
 * admission (a free member, overlap under the threshold, leases in `locks`), worked in the shared
 * workspace or its own worktree, verified, committed, and reviewed (`branches`). Failures follow
 * the seed's table (see `decideTicketFailure`). Its options are stored as the run's parameters, so
 * {@link prepareTicketResume} rebuilds the same wiring in any process.
 */
export async function prepareTicketRun(request: TicketRunRequest, input: TicketRunOptionsInput): Promise<TicketRun> {
  const options = parseOptions(input);
  const wiring = await openWiring(request, options);
  const { store, registry } = wiring;
  try {
    // The tickets are claimed under the new run's id before it starts (one compare-and-set each), so
    // two runs started at once split the queue instead of racing for the same tickets.
    const runId = createRunId();
    const now = Date.now();
    // Queued tickets, and those a run that ended without giving them back still names (claimTicket decides).
    const candidates = store.codebase.listTickets().filter((ticket) => ticket.status === 'queued' || (ticket.status === 'in-progress' && ticket.runId !== undefined));
    const claimed = candidates.filter((ticket) => store.codebase.claimTicket(ticket.id, runId, now) !== undefined);
    const plan = planTickets(claimed.map((ticket) => store.codebase.getTicket(ticket.id) ?? ticket), store, options, registry);
    const planned = new Set(plan.tasks.map((task) => task.id));
    for (const ticket of claimed) if (!planned.has(ticket.id)) store.codebase.updateTicket(ticket.id, { runId: null }, now);
    if (plan.tasks.length === 0 && !options.follow) {
      const why = plan.skipped.length === 0 ? 'no ticket is queued (add one with `ensemble tickets add`)' : plan.skipped.map((entry) => `${entry.ticketId}: ${entry.reason}`).join('; ');
      throw new EnsembleError('INVALID_INPUT', `nothing to run: ${why}`, { details: { skipped: plan.skipped } });
    }
    wiring.runId = runId;
    const orchestrator = createTicketOrchestrator(request, options, wiring, runId);
    orchestrator.addTasks(plan.tasks);
    return {
      orchestrator,
      ticketIds: plan.tasks.map((task) => task.id),
      skipped: plan.skipped,
      start: (startOptions = {}) => driveTicketRun(orchestrator, wiring, options, (running) => running.execute(startOptions), plan.tasks.map((task) => task.id), startOptions.signal, true),
    };
  } catch (error) {
    store.close();
    throw error;
  }
}

/** Prepares the resume of a ticket run (after a crash, a cancel, an interruption) with the options it was started with. */
export async function prepareTicketResume(request: TicketRunRequest, runId: string): Promise<TicketRun> {
  const probe = openRunStore(request.storePath);
  let options: TicketRunOptions;
  let ticketIds: string[];
  try {
    const run = probe.getRun(runId);
    if (run === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${request.storePath}`, { details: { runId } });
    if (run.workflowId !== TICKET_RUN_WORKFLOW_ID) throw new EnsembleError('INVALID_INPUT', `run "${runId}" is not a ticket run`, { details: { runId } });
    options = parseOptions(run.spec.parameters['ticketRun']);
    ticketIds = probe.codebase.listTickets().filter((ticket) => ticket.runId === runId).map((ticket) => ticket.id);
  } finally {
    probe.close();
  }
  const wiring = await openWiring(request, options);
  const orchestrator = createTicketOrchestrator(request, options, wiring);
  return {
    orchestrator,
    ticketIds,
    skipped: [],
    start: (startOptions = {}) => driveTicketRun(orchestrator, wiring, options, (running) => running.resume(runId, startOptions), ticketIds, startOptions.signal, false),
  };
}

/** What every part of a ticket run shares. */
interface TicketWiring {
  readonly store: RunStore;
  readonly registry: AgentRegistry;
  readonly repo: string;
  readonly mainBranch: string;
  readonly dataDir: string;
  readonly admission: TicketAdmission;
  readonly reviews: ReviewQueue;
  /** Set once the run has an id (admission and dispatch only happen after). */
  runId: string | undefined;
  orchestrator: AgentOrchestrator | undefined;
  dispatcher: TicketDispatcher | undefined;
  /** tmux mode: the team's session. */
  readonly team: TmuxTeam | undefined;
}

function parseOptions(input: unknown): TicketRunOptions {
  const parsed = ticketRunOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.length === 0 ? 'options' : issue.path.join('.')}: ${issue.message}`);
  throw new EnsembleError('INVALID_INPUT', `invalid ticket run options: ${problems.join('; ')}`, { details: { problems } });
}

async function openWiring(request: TicketRunRequest, options: TicketRunOptions): Promise<TicketWiring> {
  const repo = resolve(request.workspaceDir);
  const mainBranch = await resolveMainBranch(repo, AbortSignal.timeout(30_000));
  const registry =
    request.orchestrator?.registry ??
    loadAgentRegistry({ agentDirs: (request.agentDirs ?? []).map((dir) => resolve(dir)), cwd: repo, onWarning: request.orchestrator?.onWarning ?? (() => {}) });
  const unknown = [...new Set(options.team.map((member) => member.agentName))].filter((name) => !registry.has(name));
  if (unknown.length > 0) throw new EnsembleError('UNKNOWN_AGENT', `--agents: unknown agent${unknown.length === 1 ? '' : 's'} ${unknown.map((name) => `"${name}"`).join(', ')}`, { details: { agents: unknown } });
  const store = openRunStore(request.storePath);
  const dataDir = dirname(resolve(request.storePath));
  const wiring: TicketWiring = {
    store,
    registry,
    repo,
    mainBranch,
    dataDir,
    admission: undefined as unknown as TicketAdmission,
    reviews: new ReviewQueue({ store: store.codebase, repo }),
    runId: undefined,
    orchestrator: undefined,
    dispatcher: undefined,
    team: options.tmux ? new TmuxTeam({ ...request.tmux, team: options.teamName ?? toTeamName(repo) }) : undefined,
  };
  const runIdOf = (): string => {
    const runId = wiring.runId ?? wiring.orchestrator?.runId;
    if (runId === undefined) throw new EnsembleError('INTERNAL', 'the ticket run has no id yet');
    wiring.runId = runId;
    return runId;
  };
  (wiring as { admission: TicketAdmission }).admission = new TicketAdmission({ store: store.codebase, options, runId: runIdOf, now: Date.now });
  return wiring;
}

function createTicketOrchestrator(request: TicketRunRequest, options: TicketRunOptions, wiring: TicketWiring, newRunId?: string): AgentOrchestrator {
  const { store, admission } = wiring;
  const runIdOf = (): string => {
    const runId = wiring.runId ?? wiring.orchestrator?.runId;
    if (runId === undefined) throw new EnsembleError('INTERNAL', 'the ticket run has no id yet');
    return runId;
  };
  const lookup = (taskId: string): { ticketId: string; member?: string; priority: number } | undefined => {
    const ticket = store.codebase.getTicket(taskId);
    if (ticket === undefined) return undefined;
    const member = admission.assignmentOf(taskId)?.member;
    return { ticketId: ticket.id, priority: ticket.priority, ...(member === undefined ? {} : { member }) };
  };
  const onNotes = (taskId: string, notes: TicketFailureNotes, decision: TerminalDecision): void => {
    const member = admission.assignmentOf(taskId)?.member;
    if (notes.pauseMemberMs !== undefined && member !== undefined) admission.pause(member, Date.now() + notes.pauseMemberMs);
    if (notes.reassign === true && member !== undefined) admission.reassign(taskId, member);
    const status = decision.action === 'fail' && notes.ticketStatus === 'queued' ? 'queued' : notes.ticketStatus;
    store.codebase.updateTicket(taskId, { status, ...(decision.action === 'fail' && status === 'failed' ? { finishedAt: Date.now() } : {}) }, Date.now());
    if (notes.flagComplex !== undefined) {
      const ticket = store.codebase.getTicket(taskId);
      if (ticket !== undefined && !ticket.flags.includes('complex')) store.codebase.updateTicket(taskId, { flags: [...ticket.flags, 'complex'] }, Date.now());
      // Journaled after the scheduler finished deciding (the policy runs inside its step).
      const reason = notes.flagComplex;
      queueMicrotask(() => wiring.orchestrator?.recordTaskEvent(taskId, 'ticket:flagged', { ticketId: taskId, flag: 'complex', reason }));
    }
  };
  const orchestrator = new AgentOrchestrator({
    ...request.orchestrator,
    registry: wiring.registry,
    ...(newRunId === undefined ? {} : { runId: newRunId }),
    store: request.storePath,
    workspaceDir: wiring.repo,
    ...(request.agentDirs === undefined ? {} : { agentDirs: request.agentDirs.map((dir) => resolve(dir)) }),
    workflowName: `tickets (${options.mode}, ${options.team.length} agent${options.team.length === 1 ? '' : 's'})`,
    workflowId: TICKET_RUN_WORKFLOW_ID,
    parameters: { ticketRun: options },
    // One slot per member; in `queue` mode the admission check lets one ticket through at a time.
    maxParallelAgents: options.team.length,
    admission,
    terminalPolicy: createTicketFailurePolicy(options, lookup, onNotes),
    ...(wiring.team === undefined ? {} : { processWindows: wiring.team }),
    wrapDispatcher: (inner) =>
      (wiring.dispatcher = new TicketDispatcher(inner, {
        store: store.codebase,
        admission,
        options,
        repo: wiring.repo,
        mainBranch: wiring.mainBranch,
        dataDir: wiring.dataDir,
        reviews: wiring.reviews,
        verifyEnvironment: buildAgentEnvironment(process.env, undefined, {}),
        runId: runIdOf,
        now: Date.now,
        record: (taskId, type, payload) => orchestrator.recordTaskEvent(taskId, type, payload),
      })),
  });
  wiring.orchestrator = orchestrator;
  return orchestrator;
}

/**
 * Runs the ticket run to its end: keeps ticket rows in step with the run's events, rechecks
 * admission every second (a lease another process released, a pause that ended), adds tickets
 * queued meanwhile when it follows, and, at the end, puts the tickets it did not finish back in the
 * queue (not when it was interrupted: its resume goes on with them).
 */
async function driveTicketRun(
  orchestrator: AgentOrchestrator,
  wiring: TicketWiring,
  options: TicketRunOptions,
  start: (orchestrator: AgentOrchestrator) => Promise<RunOutcome>,
  ticketIds: readonly string[],
  signal: AbortSignal | undefined,
  /** A new run: if it cannot start, the tickets it claimed go back to the queue. */
  isNew: boolean,
): Promise<RunOutcome> {
  const { store } = wiring;
  const inRun = new Set(ticketIds);
  const stopFollowing = options.follow ? orchestrator.keepOpen() : undefined;
  signal?.addEventListener('abort', () => stopFollowing?.(), { once: true });
  const offEvents = orchestrator.on('*', (event: RunEvent) => syncTicket(store, event));
  const poll = setInterval(() => {
    try {
      if (options.follow) addQueuedTickets(orchestrator, wiring, options, inRun);
      orchestrator.recheckAdmission();
    } catch (error) {
      orchestrator.cancel(`the ticket run could not go on: ${error instanceof Error ? error.message : String(error)}`);
    }
  }, POLL_MS);
  poll.unref();
  const stopCadence = wiring.team === undefined ? undefined : startTeamCadence(orchestrator, wiring, options);
  try {
    let outcome: RunOutcome;
    try {
      outcome = await start(orchestrator);
    } catch (error) {
      if (isNew && wiring.runId !== undefined && store.getRun(wiring.runId) === undefined) releaseClaims(store, wiring.runId);
      throw error;
    }
    requeueUnfinished(store, outcome);
    return outcome;
  } finally {
    clearInterval(poll);
    stopCadence?.();
    offEvents();
    stopFollowing?.();
    store.close();
  }
}

/**
 * tmux mode's cadence (seed: check-ins every 15 minutes, commits every 30): a check-in journals the
 * end of each working member's window (`ticket:checkin`); a commit saves each one's work so far.
 */
function startTeamCadence(orchestrator: AgentOrchestrator, wiring: TicketWiring, options: TicketRunOptions): () => void {
  const { team } = wiring;
  const warn = (error: unknown): void => {
    process.emitWarning(`ensemble: tmux cadence: ${error instanceof Error ? error.message : String(error)}`);
  };
  return startCadence({
    checkInMs: options.checkInMs,
    commitEveryMs: options.commitEveryMs,
    onCheckIn: () => {
      for (const { ticketId, member } of wiring.dispatcher?.activeMembers() ?? []) {
        team
          ?.capturePane(member, { lines: 20, signal: AbortSignal.timeout(10_000) })
          .then((pane) => orchestrator.recordTaskEvent(ticketId, 'ticket:checkin', { ticketId, member, pane: pane.trimEnd().slice(-2_000) }))
          .catch(warn);
      }
    },
    onCommit: () => {
      wiring.dispatcher?.commitWorkInProgress(AbortSignal.timeout(60_000)).catch(warn);
    },
    onError: warn,
  });
}

/** The tmux team of a repository: its folder's name, in the characters tmux names allow. */
function toTeamName(repo: string): string {
  return basename(repo).replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'team';
}

/** Ticket rows follow what happened to their tasks that the dispatcher and policy do not record themselves. */
function syncTicket(store: RunStore, event: RunEvent): void {
  const now = Date.now();
  const ticket = 'taskId' in event ? store.codebase.getTicket(event.taskId) : undefined;
  if (ticket === undefined || ticket.runId !== event.runId) return;
  switch (event.type) {
    case 'task:skipped':
      store.codebase.updateTicket(ticket.id, { status: 'queued', runId: null, assignee: null, lastError: { code: 'INVALID_INPUT', message: `dependency ${event.blockedBy ?? ''} did not succeed`, retryable: false } }, now);
      break;
    case 'task:error':
      store.codebase.updateTicket(ticket.id, { status: ticket.status === 'agent-failed' ? 'agent-failed' : 'failed', lastError: event.error, finishedAt: now }, now);
      break;
    case 'task:retry':
      store.codebase.updateTicket(ticket.id, { status: 'queued', lastError: event.error }, now);
      break;
    case 'escalation:answered':
    case 'escalation:expired':
      if (ticket.status === 'waiting' || ticket.status === 'agent-failed') store.codebase.updateTicket(ticket.id, { status: 'queued' }, now);
      break;
    default:
      break;
  }
}

/** At the end of a run that was not interrupted, its unfinished tickets go back to the queue for the next run. */
function requeueUnfinished(store: RunStore, outcome: RunOutcome): void {
  if (outcome.status === 'interrupted') return;
  const now = Date.now();
  for (const ticket of store.codebase.listTickets()) {
    if (ticket.runId !== outcome.runId) continue;
    if (ticket.status === 'queued' || ticket.status === 'in-progress') store.codebase.updateTicket(ticket.id, { status: 'queued', runId: null, assignee: null }, now);
  }
}

/** The tickets a run that never started had claimed go back to the queue. */
function releaseClaims(store: RunStore, runId: string): void {
  const now = Date.now();
  for (const ticket of store.codebase.listTickets()) if (ticket.runId === runId) store.codebase.updateTicket(ticket.id, { runId: null, assignee: null, status: 'queued' }, now);
}

/** A `follow` run takes on tickets queued since it started. */
function addQueuedTickets(orchestrator: AgentOrchestrator, wiring: TicketWiring, options: TicketRunOptions, inRun: Set<string>): void {
  const runId = wiring.runId ?? orchestrator.runId;
  if (runId === undefined) return;
  const now = Date.now();
  const fresh = wiring.store.codebase
    .listTickets({ status: 'queued' })
    .filter((ticket) => !inRun.has(ticket.id) && ticket.runId === undefined && wiring.store.codebase.claimTicket(ticket.id, runId, now) !== undefined);
  if (fresh.length === 0) return;
  const plan = planTickets(fresh, wiring.store, options, wiring.registry, inRun);
  const planned = new Set(plan.tasks.map((task) => task.id));
  // Left out for now (a dependency not done yet): unclaimed, so a later poll (or another run) takes them.
  for (const ticket of fresh) if (!planned.has(ticket.id)) wiring.store.codebase.updateTicket(ticket.id, { runId: null }, now);
  if (plan.tasks.length === 0) return;
  orchestrator.addTasks(plan.tasks);
  for (const task of plan.tasks) inRun.add(task.id);
}

/**
 * The tasks of `tickets`: each keeps its dependencies on tickets of the run; a dependency already
 * done is dropped; one that is neither done nor in the run leaves the ticket out (it waits for a
 * later run). The agent is the ticket's own, else the team's agent with its capability (name or
 * category), the one with most members.
 */
function planTickets(
  tickets: readonly TicketRecord[],
  store: RunStore,
  options: TicketRunOptions,
  registry: AgentRegistry,
  alreadyInRun: ReadonlySet<string> = new Set(),
): { tasks: TaskInput[]; skipped: { ticketId: string; reason: string }[] } {
  const ids = new Set([...alreadyInRun, ...tickets.map((ticket) => ticket.id)]);
  const skipped: { ticketId: string; reason: string }[] = [];
  const tasks: TaskInput[] = [];
  const excluded = new Set<string>();
  // Tickets left out make their dependents wait too: repeat until stable.
  for (let changed = true; changed; ) {
    changed = false;
    for (const ticket of tickets) {
      if (excluded.has(ticket.id)) continue;
      const blocker = ticket.dependencies.find((dependency) => (excluded.has(dependency) || !ids.has(dependency)) && store.codebase.getTicket(dependency)?.status !== 'done');
      if (blocker !== undefined) {
        excluded.add(ticket.id);
        skipped.push({ ticketId: ticket.id, reason: `waits for ${blocker} (${store.codebase.getTicket(blocker)?.status ?? 'unknown'})` });
        changed = true;
      }
    }
  }
  const memberCount = new Map<string, number>();
  for (const member of options.team) memberCount.set(member.agentName, (memberCount.get(member.agentName) ?? 0) + 1);
  for (const ticket of tickets) {
    if (excluded.has(ticket.id)) continue;
    const agentName = agentFor(ticket, memberCount, registry);
    if (agentName === undefined) {
      skipped.push({ ticketId: ticket.id, reason: ticket.agent !== undefined ? `its agent "${ticket.agent}" is not in the team` : `no agent of the team has capability "${ticket.capability ?? ''}"` });
      continue;
    }
    tasks.push({
      id: ticket.id,
      agentName,
      description: ticket.title,
      prompt: composeTicketPrompt(ticket, options.mode),
      priority: ticket.priority,
      dependencies: ticket.dependencies.filter((dependency) => ids.has(dependency) && !excluded.has(dependency) && store.codebase.getTicket(dependency)?.status !== 'done'),
      timeoutMs: options.ticketTimeoutMs,
    });
  }
  return { tasks, skipped };
}

function agentFor(ticket: TicketRecord, memberCount: ReadonlyMap<string, number>, registry: AgentRegistry): string | undefined {
  if (ticket.agent !== undefined) return memberCount.has(ticket.agent) ? ticket.agent : undefined;
  const candidates = [...memberCount.keys()].filter((name) => ticket.capability === undefined || name === ticket.capability || registry.get(name)?.category === ticket.capability);
  let best: string | undefined;
  for (const name of candidates) if (best === undefined || (memberCount.get(name) ?? 0) > (memberCount.get(best) ?? 0)) best = name;
  return best;
}
