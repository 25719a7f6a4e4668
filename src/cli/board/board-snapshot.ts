import { createRunState, foldRunEvents, type RunState, type RunStatus, type TaskState } from '../../core/index.js';
import { computeTicketFigures, type RunStore, type TicketRecord } from '../../store/index.js';

/** While a ticket runs, its bar never claims more than this: only the end says it is done. */
export const RUNNING_PROGRESS_CAP = 0.95;

/** One team member on the board. */
export interface BoardMember {
  /** The member's name (`ticket:assigned` member). */
  readonly name: string;
  /** The agent definition it runs. */
  readonly agentName: string;
  /** `working` a ticket, `escalated` (waiting for a person), or `idle`. */
  readonly state: 'working' | 'escalated' | 'idle';
  readonly ticketId?: string;
  /** How long it has been on the ticket (working) or waiting (escalated), in ms. */
  readonly elapsedMs?: number;
  /** 0..{@link RUNNING_PROGRESS_CAP}: elapsed over the agent's median past duration; absent without a history. */
  readonly progress?: number;
}

/** The board's metrics line. Rates are 0..1; undefined when there is nothing to divide by yet. */
export interface BoardMetrics {
  /** Mean time from start to finish of done tickets, in ms. */
  readonly averageCompletionMs?: number;
  /** Escalations opened per ticket that started. */
  readonly escalationRate?: number;
  /** Reviews predicted to conflict, over all reviews. */
  readonly conflictRate?: number;
  /** Members busy (working or escalated) over members. */
  readonly utilisation?: number;
}

/** Everything `tickets watch` draws, read at one instant. */
export interface TicketBoardSnapshot {
  /** The latest run that worked tickets, and its status. */
  readonly runId?: string;
  readonly runStatus?: RunStatus;
  readonly members: readonly BoardMember[];
  readonly queuedTickets: number;
  readonly inProgressTickets: number;
  readonly doneTickets: number;
  readonly totalTickets: number;
  readonly pendingEscalations: number;
  readonly readyReviews: number;
  readonly metrics: BoardMetrics;
  /** Epoch ms the snapshot was read. */
  readonly at: number;
}

/**
 * Reads the board: ticket counts, escalations and reviews from `store.codebase`, and the team from
 * the events of the latest run that worked a ticket (its members, what each works, since when).
 */
export function readBoardSnapshot(store: RunStore, now: number): TicketBoardSnapshot {
  return createBoardReader(store)(now);
}

/**
 * {@link readBoardSnapshot} for a watch: the latest run's events are folded once and then only the
 * new ones each frame (a long run journals thousands).
 */
export function createBoardReader(store: RunStore): (now: number) => TicketBoardSnapshot {
  let folded: { runId: string; state: RunState; lastSeq: number } | undefined;
  const tasksOf = (runId: string): TaskState[] => {
    if (folded?.runId !== runId) folded = { runId, state: createRunState(), lastSeq: 0 };
    const events = store.readEvents(runId, { afterSeq: folded.lastSeq });
    foldRunEvents(events, folded.state);
    folded.lastSeq = events.at(-1)?.seq ?? folded.lastSeq;
    return [...folded.state.tasks.values()];
  };
  return (now) => snapshotOf(store, now, tasksOf);
}

function snapshotOf(store: RunStore, now: number, tasksOf: (runId: string) => TaskState[]): TicketBoardSnapshot {
  const tickets = store.codebase.listTickets();
  const runId = latestTicketRun(tickets);
  const run = runId === undefined ? undefined : store.getRun(runId);
  const tasks = run === undefined ? [] : tasksOf(run.runId);
  const isRunLive = run?.status === 'running';
  const members = boardMembers(tasks, isRunLive, now);
  const medians = store.agentMedianDurations(members.map((member) => member.agentName));
  const withProgress = members.map((member) => {
    const median = medians.get(member.agentName);
    if (member.state !== 'working' || member.elapsedMs === undefined || median === undefined || median <= 0) return member;
    return { ...member, progress: Math.min(RUNNING_PROGRESS_CAP, member.elapsedMs / median) };
  });
  // One definition of the figures for the board and /metrics.
  const figures = computeTicketFigures(store);
  const started = tickets.filter((ticket) => ticket.startedAt !== undefined || ticket.attempts > 0).length;
  const doneCount = figures.tickets.done;
  const reviewCount = store.codebase.listReviews().length;
  const isAnyRunning = run?.status === 'running';
  return {
    ...(run === undefined ? {} : { runId: run.runId, runStatus: run.status }),
    members: withProgress,
    queuedTickets: tickets.filter((ticket) => ticket.status === 'queued').length,
    inProgressTickets: tickets.filter((ticket) => ticket.status === 'in-progress' || ticket.status === 'waiting').length,
    doneTickets: tickets.filter((ticket) => ticket.status === 'done').length,
    totalTickets: tickets.length,
    pendingEscalations: figures.escalations.open,
    readyReviews: store.codebase.listReviews({ status: 'open' }).length,
    metrics: {
      ...(doneCount === 0 ? {} : { averageCompletionMs: figures.completionSeconds * 1000 }),
      ...(started === 0 ? {} : { escalationRate: figures.escalationRate }),
      ...(reviewCount === 0 ? {} : { conflictRate: figures.conflictRate }),
      ...(isAnyRunning ? { utilisation: figures.agentUtilisation } : {}),
    },
    at: now,
  };
}

/** The run of the ticket touched last; a queue worked by several runs shows the newest. */
function latestTicketRun(tickets: readonly TicketRecord[]): string | undefined {
  let latest: TicketRecord | undefined;
  for (const ticket of tickets) {
    if (ticket.runId !== undefined && (latest === undefined || ticket.updatedAt > latest.updatedAt)) latest = ticket;
  }
  return latest?.runId;
}

/**
 * One row per member seen in the run (`ticket:assigned`), in order of first appearance. A member's
 * current ticket is its task that runs or waits on a person; a run that stopped has nobody working
 * (its process is gone), though its open escalations still wait.
 */
function boardMembers(tasks: readonly TaskState[], isRunLive: boolean, now: number): BoardMember[] {
  const byName = new Map<string, BoardMember>();
  const ordered = [...tasks].sort((a, b) => a.ordinal - b.ordinal);
  for (const task of ordered) {
    if (task.member === undefined) continue;
    const current = byName.get(task.member);
    const row = memberRow(task, isRunLive, now);
    if (row !== undefined && (current === undefined || current.state === 'idle')) byName.set(task.member, row);
    else if (current === undefined) byName.set(task.member, { name: task.member, agentName: task.agentName, state: 'idle' });
  }
  return [...byName.values()];
}

// An open escalation outlives its run's process (it is answered while the run is down), so it shows either way.
function memberRow(task: TaskState, isRunLive: boolean, now: number): BoardMember | undefined {
  const member = task.member!;
  const ticket = task.ticketId === undefined ? {} : { ticketId: task.ticketId };
  if (task.status === 'waiting' && task.escalation !== undefined) {
    return { name: member, agentName: task.agentName, state: 'escalated', ...ticket, elapsedMs: Math.max(0, now - task.escalation.openedAt) };
  }
  if (isRunLive && (task.status === 'running' || task.status === 'retrying')) {
    return { name: member, agentName: task.agentName, state: 'working', ...ticket, ...(task.startedAt === undefined ? {} : { elapsedMs: Math.max(0, now - task.startedAt) }) };
  }
  return undefined;
}
