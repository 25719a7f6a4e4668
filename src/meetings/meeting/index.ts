/** Meetings: a run whose graph grows round by round, its transcript and minutes, and reading them back from the journal. */

/** Holds a meeting (`conductMeeting`), or prepares one whose orchestrator a caller watches (`prepareMeeting`). */
export { conductMeeting, prepareMeeting } from './conduct-meeting.js';
export type { MeetingResult, PreparedMeeting } from './conduct-meeting.js';
/** Continues a meeting cut short, from its journal. */
export { continueMeeting } from './continue-meeting.js';
export type { ContinueMeetingOptions } from './continue-meeting.js';
/** The driver that grows a meeting's run step by step, and what it reads back from a journal to resume. */
export { driveMeeting, readPriorMeetingProgress } from './drive-meeting.js';
export type { GrowingRun, PriorMeetingProgress, DrivenMeeting } from './drive-meeting.js';
/** The pure decision of the meeting's next move. */
export { planNextMeetingStep } from './plan-next-meeting-step.js';
export type { MeetingProgress, MeetingDecision } from './plan-next-meeting-step.js';
/** The steps of a meeting and the ids of their tasks. */
export { listMeetingSteps, statementTaskId, minutesTaskId } from './meeting-steps.js';
export type { MeetingStep } from './meeting-steps.js';
/** Request → plan, and the plan a meeting run keeps. */
export { resolveMeetingPlan, readMeetingPlan, MEETING_WORKFLOW_PREFIX } from './resolve-meeting-plan.js';
/** The transcript, derived from the plan and the outputs of the tasks that succeeded. */
export { buildMeetingTranscript } from './meeting-transcript.js';
export type { MeetingTranscript, MeetingTopicRecord, MeetingRoundRecord, MeetingStatement, TopicMinutes } from './meeting-transcript.js';
/** Reads a facilitator's reply (JSON, Markdown sections, or plain text) into summary, decisions and action items. */
export { parseMeetingMinutes } from './parse-meeting-minutes.js';
export type { MeetingMinutes, ActionItem } from './parse-meeting-minutes.js';
/** The prompts of statements and minutes, and the minutes format asked for. */
export { composeStatementPrompt, composeMinutesPrompt, MINUTES_FORMAT } from './compose-meeting-prompts.js';
/** Text renderings: minutes, rounds, and a meeting as context for later work. */
export { renderMinutes, renderRound, renderMeetingContext } from './render-meeting-text.js';
/** Journaled meetings: list, read, and their minutes as context for a later workflow. */
export { readMeeting, listMeetings, meetingContext, isMeetingRun } from './read-meeting.js';
export type { MeetingRecord, MeetingListing } from './read-meeting.js';
export { withMeetingContext } from './with-meeting-context.js';
