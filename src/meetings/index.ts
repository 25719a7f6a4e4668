/** Conversations with agents: `chat` with one agent and its persistent memory, `consult` several at once, and `meeting`s. */

/** Sends one message to an agent, recalling its memory, and remembers the exchange. */
export { chat } from './chat.js';
/** Options of `chat` and the reply it resolves with. */
export type { ChatOptions, ChatReply } from './chat.js';
/** The recalled part of an agent's memory, and how it is chosen (whole recent exchanges within a token budget). */
export { selectChatMemory } from './select-chat-memory.js';
export type { ChatMemorySelection } from './select-chat-memory.js';
/** The prompt of one chat turn: the recalled conversation, then the new message. */
export { composeChatPrompt } from './compose-chat-prompt.js';
/** The UNKNOWN_AGENT error for a name neither defined nor remembered, with a "did you mean" hint. */
export { unknownAgentError } from './unknown-agent-error.js';
/** Where a consultation or a meeting runs (journal, agents, workspace, run settings) and how it reports. */
export type { ConversationOptions } from './conversation-run.js';
/** The request bodies of `POST /api/consultations` and `POST /api/meetings` (zod), the meeting type shape and the plan a meeting run keeps. */
export { consultRequestSchema, meetingRequestSchema, meetingTypeSchema, meetingPlanSchema, MEETING_CATEGORIES, SPEAKING_ORDERS } from './schema.js';
export type { ConsultRequest, MeetingRequest, MeetingType, MeetingRound, MeetingPlan, MeetingCategory, SpeakingOrder } from './schema.js';
/** One question to several agents in parallel, then a synthesis (`ensemble consult`). */
export { consult, prepareConsultation, CONSULT_WORKFLOW_ID } from './consult/index.js';
export type { ConsultResult, ConsultAnswer, PreparedConsultation } from './consult/index.js';
/** The built-in meeting types (`ensemble meetings types`). */
export { getMeetingType, listMeetingTypes } from './catalogue/index.js';
/** Meetings: hold one, continue one cut short, and read journaled meetings back (`ensemble meeting`, `meetings list|show`). */
export {
  conductMeeting,
  prepareMeeting,
  continueMeeting,
  readMeeting,
  listMeetings,
  meetingContext,
  isMeetingRun,
  withMeetingContext,
  parseMeetingMinutes,
  buildMeetingTranscript,
  renderMinutes,
  MEETING_WORKFLOW_PREFIX,
} from './meeting/index.js';
export type {
  MeetingResult,
  PreparedMeeting,
  ContinueMeetingOptions,
  MeetingRecord,
  MeetingListing,
  MeetingTranscript,
  MeetingTopicRecord,
  MeetingRoundRecord,
  MeetingStatement,
  TopicMinutes,
  MeetingMinutes,
  ActionItem,
  GrowingRun,
} from './meeting/index.js';
