import { EnsembleError, toInputIssues } from '../../core/index.js';
import { getMeetingType } from '../catalogue/index.js';
import { meetingPlanSchema, meetingRequestSchema, type MeetingPlan, type MeetingRequest, type ParsedMeetingRequest } from '../schema.js';

/** Prefix of a meeting run's `workflowId`: `meeting:architecture-review`. */
export const MEETING_WORKFLOW_PREFIX = 'meeting:';

/**
 * Validates a meeting request (the HTTP body, the CLI's flags) and resolves it against its type:
 * participants and facilitator default to the type's, and the type's rounds and prompts are
 * copied into the plan the run keeps.
 * @throws EnsembleError `INVALID_INPUT` naming the field (`topics[1]`, `agents[2]`) or the unknown type.
 */
export function resolveMeetingPlan(request: MeetingRequest): { readonly plan: MeetingPlan; readonly request: ParsedMeetingRequest } {
  const parsed = meetingRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issues = toInputIssues(parsed.error);
    throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
  }
  const body = parsed.data;
  const type = getMeetingType(body.type);
  const plan = meetingPlanSchema.parse({
    typeId: type.id,
    typeName: type.name,
    purpose: type.purpose,
    title: body.title.trim(),
    topics: body.topics.map((topic) => topic.trim()),
    participants: body.agents ?? type.defaultParticipants,
    facilitator: body.facilitator ?? type.facilitator,
    speakingOrder: type.speakingOrder,
    rounds: type.rounds,
    facilitatorPrompt: type.facilitatorPrompt,
    ...(body.context === undefined ? {} : { context: body.context }),
    ...(body.timeoutMs === undefined ? {} : { timeoutMs: body.timeoutMs }),
  });
  return { plan, request: body };
}

/**
 * The plan a meeting run keeps in `parameters.meeting`.
 * @throws EnsembleError `INVALID_INPUT` when the run is not a meeting, `JOURNAL_ERROR` when its plan is unreadable.
 */
export function readMeetingPlan(run: { readonly runId: string; readonly workflowId?: string; readonly spec: { readonly parameters: Readonly<Record<string, unknown>> } }): MeetingPlan {
  if (run.workflowId?.startsWith(MEETING_WORKFLOW_PREFIX) !== true) {
    throw new EnsembleError('INVALID_INPUT', `run "${run.runId}" is not a meeting (its workflow is ${run.workflowId === undefined ? 'unnamed' : `"${run.workflowId}"`})`, {
      details: { runId: run.runId },
    });
  }
  const parsed = meetingPlanSchema.safeParse(run.spec.parameters['meeting']);
  if (!parsed.success) {
    const where = toInputIssues(parsed.error, 'parameters.meeting').map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    throw new EnsembleError('JOURNAL_ERROR', `the meeting plan of run "${run.runId}" is unreadable: ${where}`, { details: { runId: run.runId } });
  }
  return parsed.data;
}
