import { EnsembleError, type RunOutcome, type RunStatus } from '../../core/index.js';
import type { AgentOrchestrator } from '../../orchestrator/index.js';
import { conversationRegistry, createConversationOrchestrator, requireKnownAgents, type ConversationOptions } from '../conversation-run.js';
import type { MeetingPlan, MeetingRequest } from '../schema.js';
import { driveMeeting } from './drive-meeting.js';
import { buildMeetingTranscript, type MeetingTranscript } from './meeting-transcript.js';
import { MEETING_WORKFLOW_PREFIX, resolveMeetingPlan } from './resolve-meeting-plan.js';

/** How a meeting went: its run and its transcript (statements by topic and round, and the minutes). */
export interface MeetingResult {
  readonly runId: string;
  /** `succeeded` when every statement and every topic's minutes were made. */
  readonly status: RunStatus;
  readonly transcript: MeetingTranscript;
  /** The run's outcome: its summary (tasks, tokens, cost, duration), task results and error. */
  readonly outcome: RunOutcome;
}

/** A meeting ready to run, with its orchestrator exposed for listeners (the CLI's progress view). */
export interface PreparedMeeting {
  readonly plan: MeetingPlan;
  readonly orchestrator: AgentOrchestrator;
  /** Runs the meeting to its end; call once. */
  run(): Promise<MeetingResult>;
}

/**
 * Checks a meeting request and prepares its run (nothing is journaled yet): one run
 * (`workflowId` `meeting:<type>`, named after the title) whose graph grows step by step, see
 * {@link driveMeeting}. Every agent is checked now, so a typo fails before anyone speaks.
 * @throws EnsembleError `INVALID_INPUT` (a field, an unknown meeting type), `UNKNOWN_AGENT`.
 */
export function prepareMeeting(request: MeetingRequest, options: ConversationOptions = {}): PreparedMeeting {
  const { plan, request: body } = resolveMeetingPlan(request);
  const registry = conversationRegistry(options);
  requireKnownAgents(registry, [...plan.participants, plan.facilitator]);
  const orchestrator = createConversationOrchestrator(options, registry, {
    workflowName: plan.title,
    workflowId: `${MEETING_WORKFLOW_PREFIX}${plan.typeId}`,
    parameters: { meeting: plan },
    settings: body,
    parallelSpeakers: plan.speakingOrder === 'parallel' ? plan.participants.length : 1,
  });
  let isStarted = false;
  return {
    plan,
    orchestrator,
    run: async () => {
      if (isStarted) throw new EnsembleError('INVALID_INPUT', 'a prepared meeting runs once; prepare another for the next');
      isStarted = true;
      const signal = options.signal;
      const { outcome, outputs } = await driveMeeting(orchestrator, plan, { added: [], outputs: [] }, () => orchestrator.execute(signal === undefined ? {} : { signal }));
      return { runId: outcome.runId, status: outcome.status, transcript: buildMeetingTranscript(plan, outputs), outcome };
    },
  };
}

/**
 * Holds a meeting: for every topic, the participants speak round by round, each seeing the
 * transcript so far, and the facilitator writes the summary, decisions and action items. The run
 * is journaled like any other; a meeting cut short is continued with {@link continueMeeting}.
 */
export async function conductMeeting(request: MeetingRequest, options: ConversationOptions = {}): Promise<MeetingResult> {
  return prepareMeeting(request, options).run();
}
