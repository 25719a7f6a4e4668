import { EnsembleError, type RunStatus, type RunSummary } from '../../core/index.js';
import type { RunRecord, RunStore } from '../../store/index.js';
import type { MeetingPlan } from '../schema.js';
import { buildMeetingTranscript, type MeetingTranscript } from './meeting-transcript.js';
import { renderMeetingContext } from './render-meeting-text.js';
import { MEETING_WORKFLOW_PREFIX, readMeetingPlan } from './resolve-meeting-plan.js';

/** A journaled meeting: its run, its plan and its transcript as far as it went. */
export interface MeetingRecord {
  readonly runId: string;
  readonly status: RunStatus;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms, once the run ended. */
  readonly finishedAt?: number;
  readonly summary?: RunSummary;
  readonly plan: MeetingPlan;
  readonly transcript: MeetingTranscript;
}

/** One line of `meetings list`. */
export interface MeetingListing {
  readonly runId: string;
  readonly status: RunStatus;
  readonly typeId: string;
  readonly title: string;
  readonly topicCount: number;
  readonly participants: readonly string[];
  /** Epoch ms. */
  readonly createdAt: number;
  readonly finishedAt?: number;
}

/** Whether a run is a meeting (its `workflowId` is `meeting:<type>`). */
export function isMeetingRun(run: Pick<RunRecord, 'workflowId'>): boolean {
  return run.workflowId?.startsWith(MEETING_WORKFLOW_PREFIX) === true;
}

/**
 * A journaled meeting with its transcript, derived from the outputs of its `task:complete` events.
 * @throws EnsembleError `UNKNOWN_RUN`, `INVALID_INPUT` (the run is not a meeting).
 */
export function readMeeting(store: RunStore, runId: string): MeetingRecord {
  const run = store.getRun(runId);
  if (run === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${store.path}`, { details: { runId } });
  const plan = readMeetingPlan(run);
  const outputs = new Map<string, string>();
  for (const event of store.readEvents(runId)) if (event.type === 'task:complete') outputs.set(event.taskId, event.output);
  return {
    runId,
    status: run.status,
    createdAt: run.createdAt,
    ...(run.finishedAt === undefined ? {} : { finishedAt: run.finishedAt }),
    ...(run.summary === undefined ? {} : { summary: run.summary }),
    plan,
    transcript: buildMeetingTranscript(plan, outputs),
  };
}

/** The journal's meetings, newest first; a meeting whose plan is unreadable is listed with what its run row says. */
export function listMeetings(store: RunStore, options: { readonly limit?: number } = {}): MeetingListing[] {
  const limit = options.limit ?? 50;
  const meetings: MeetingListing[] = [];
  for (const run of store.listRuns({ limit, workflowIdPrefix: MEETING_WORKFLOW_PREFIX })) {
    if (!isMeetingRun(run)) continue;
    let plan: MeetingPlan | undefined;
    try {
      plan = readMeetingPlan(run);
    } catch {
      plan = undefined;
    }
    meetings.push({
      runId: run.runId,
      status: run.status,
      typeId: plan?.typeId ?? run.workflowId!.slice(MEETING_WORKFLOW_PREFIX.length),
      title: plan?.title ?? run.workflowName,
      topicCount: plan?.topics.length ?? 0,
      participants: plan?.participants ?? [],
      createdAt: run.createdAt,
      ...(run.finishedAt === undefined ? {} : { finishedAt: run.finishedAt }),
    });
    if (meetings.length >= limit) break;
  }
  return meetings;
}

/**
 * A meeting's minutes as text to hand a later workflow (`ensemble run --with-meeting <runId>`):
 * title, participants, and each topic's summary, decisions and action items (the statements of a
 * topic that has no minutes yet).
 * @throws EnsembleError `UNKNOWN_RUN`, `INVALID_INPUT` (the run is not a meeting).
 */
export function meetingContext(store: RunStore, runId: string): string {
  return renderMeetingContext(readMeeting(store, runId).transcript, runId);
}
