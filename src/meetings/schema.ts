import { z } from 'zod';
import { AGENT_NAME_PATTERN } from '../core/index.js';

/** The serialisable options of `chat`, with their defaults. */
export const chatOptionsSchema = z.strictObject({
  /** SQLite journal holding the chat run and the agent's memory. @default $ENSEMBLE_HOME/ensemble.db */
  store: z.string().min(1).optional(),
  /** Extra folders of agent definitions, searched first. */
  agentDirs: z.array(z.string().min(1)).optional(),
  /** Working directory of `command` and `cli` agents. @default process.cwd() */
  workspaceDir: z.string().min(1).optional(),
  /** Provider for `llm` agents. */
  provider: z.string().min(1).optional(),
  /** Model for the reply: a tier alias or `provider:model`. */
  model: z.string().min(1).optional(),
  /** Most earlier exchanges (a message and its reply) recalled into the prompt. @default 10 */
  memoryExchanges: z.int().min(0).max(1000).default(10),
  /** Token budget of the recalled memory; older exchanges that do not fit are left out. @default 4000 */
  memoryTokenBudget: z.int().min(0).max(10_000_000).default(4000),
  /** Timeout of the reply, in ms. @default the agent's timeoutMs, else none */
  timeoutMs: z.int().positive().max(2_147_483_647).optional(),
  /** Simulated runtime latency in ms. @default ENSEMBLE_SIMULATED_LATENCY_MS, else 300-1200 ms */
  simulatedLatencyMs: z.int().min(0).max(600_000).optional(),
});

export type ChatSettings = z.output<typeof chatOptionsSchema>;

/** The message of a chat: not empty, at most 1 MB. */
export const chatMessageSchema = z
  .string({ error: 'expected text' })
  .refine((message) => message.trim() !== '', 'must not be empty')
  .refine((message) => Buffer.byteLength(message) <= 1_000_000, 'must be at most 1 MB');

/** Letters, digits and `-`: meeting type ids appear in `workflowId` (`meeting:<id>`) and on the command line. */
const MEETING_TYPE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

const agentNameSchema = z.string({ error: 'expected an agent name' }).regex(AGENT_NAME_PATTERN, 'must be letters, digits, "-" or "_"');

/** Non-empty text of at most `maxBytes` bytes (UTF-8). */
function textSchema(maxBytes: number) {
  return z
    .string({ error: 'expected text' })
    .refine((text) => text.trim() !== '', 'must not be empty')
    .refine((text) => Buffer.byteLength(text) <= maxBytes, `must be at most ${maxBytes.toLocaleString('en')} bytes`);
}

/** A participant's name is part of its statements' task ids (`topic-1.round-2.<name>`), which are at most 128 characters. */
const participantNameSchema = agentNameSchema.max(100, 'must be at most 100 characters (it is part of the task ids)');

/** A list of agent names with no name twice. */
function agentListSchema(min: number, max: number) {
  return z
    .array(participantNameSchema)
    .min(min, `must name at least ${min} agent${min === 1 ? '' : 's'}`)
    .max(max, `must name at most ${max} agents`)
    .superRefine((names, context) => {
      names.forEach((name, index) => {
        if (names.indexOf(name) !== index) context.addIssue({ code: 'custom', path: [index], message: `"${name}" is named twice` });
      });
    });
}

/** The categories meeting types are grouped in (`ensemble meetings types --category`). */
export const MEETING_CATEGORIES = ['architecture', 'engineering', 'agile', 'operations', 'product', 'quality'] as const;
export type MeetingCategory = (typeof MEETING_CATEGORIES)[number];

/** How participants speak within a round: all at once (each sees the earlier rounds), or one after another (each also sees the round so far). */
export const SPEAKING_ORDERS = ['parallel', 'sequential'] as const;
export type SpeakingOrder = (typeof SPEAKING_ORDERS)[number];

/** One round of a meeting type, repeated for every topic. */
export const meetingRoundSchema = z.strictObject({
  /** Short name shown in transcripts: `opening statements`, `discussion`, `proposals`. */
  name: z.string().min(1).max(60),
  /** What each participant is asked to do in this round. */
  instruction: z.string().min(1).max(2000),
});
export type MeetingRound = z.output<typeof meetingRoundSchema>;

/** A kind of meeting: who takes part by default, how it runs, and what its facilitator writes. */
export const meetingTypeSchema = z.strictObject({
  id: z.string().regex(MEETING_TYPE_ID_PATTERN, 'must be lower-case letters, digits and "-"'),
  name: z.string().min(1).max(80),
  category: z.enum(MEETING_CATEGORIES),
  /** Why teams hold it, in one or two sentences. */
  purpose: z.string().min(1).max(500),
  /** Catalogue agents that take part when `--agents` is not given. */
  defaultParticipants: agentListSchema(2, 8),
  speakingOrder: z.enum(SPEAKING_ORDERS),
  /** The rounds every topic goes through, in order. */
  rounds: z.array(meetingRoundSchema).min(1).max(5),
  /** The agent that writes each topic's summary, decisions and action items. */
  facilitator: agentNameSchema,
  /** What the facilitator's minutes must cover for this kind of meeting (the output format is added to it). */
  facilitatorPrompt: z.string().min(1).max(2000),
});
export type MeetingType = Readonly<z.output<typeof meetingTypeSchema>>;

/** Settings shared by `consult` and `meeting` requests (the HTTP bodies). */
const conversationSettingsShape = {
  /** Provider for `llm` agents. */
  provider: z.string().min(1).optional(),
  /** Model for every agent of the run: a tier alias or `provider:model`. */
  model: z.string().min(1).optional(),
  /** Most agents working at once. @default 3 */
  maxParallelAgents: z.int().min(1).max(1000).optional(),
  /** Timeout of each answer or statement, in ms. @default the agent's timeoutMs, else none */
  timeoutMs: z.int().positive().max(2_147_483_647).optional(),
};

/** `POST /api/consultations`, `ensemble consult`: one question put to several agents, then a synthesis. */
export const consultRequestSchema = z.strictObject({
  question: textSchema(1_000_000),
  /** The agents that answer, each on its own and in parallel. */
  agents: agentListSchema(1, 20),
  /** The agent that compares the answers and writes the synthesis. @default tech-lead */
  synthesizer: agentNameSchema.default('tech-lead'),
  ...conversationSettingsShape,
});
export type ConsultRequest = z.input<typeof consultRequestSchema>;
export type ParsedConsultRequest = z.output<typeof consultRequestSchema>;

/** `POST /api/meetings`, `ensemble meeting`: a meeting of a catalogued type on one or more topics. */
export const meetingRequestSchema = z.strictObject({
  /** A meeting type id (`ensemble meetings types`). */
  type: z.string().min(1).max(64),
  title: textSchema(200),
  /** Discussed one after another, each through every round of the type. */
  topics: z.array(textSchema(2000)).min(1, 'must name at least one topic').max(20, 'must name at most 20 topics'),
  /** Participants, in speaking order. @default the type's default participants */
  agents: agentListSchema(1, 12).optional(),
  /** Writes each topic's minutes. @default the type's facilitator */
  facilitator: agentNameSchema.optional(),
  /** Background every participant is given (a design, an incident timeline, an earlier meeting's minutes). */
  context: textSchema(200_000).optional(),
  ...conversationSettingsShape,
});
export type MeetingRequest = z.input<typeof meetingRequestSchema>;
export type ParsedMeetingRequest = z.output<typeof meetingRequestSchema>;

/**
 * Everything a meeting run needs to go on, kept in the run's `parameters.meeting`: the type's
 * rounds and prompts are copied in, so a resume continues the meeting as it started even if the
 * catalogue changed since.
 */
export const meetingPlanSchema = z.strictObject({
  typeId: z.string().regex(MEETING_TYPE_ID_PATTERN),
  typeName: z.string().min(1),
  purpose: z.string(),
  title: z.string().min(1),
  topics: z.array(z.string().min(1)).min(1),
  participants: z.array(participantNameSchema).min(1),
  facilitator: agentNameSchema,
  speakingOrder: z.enum(SPEAKING_ORDERS),
  rounds: z.array(meetingRoundSchema).min(1),
  facilitatorPrompt: z.string(),
  context: z.string().optional(),
  timeoutMs: z.int().positive().optional(),
});
export type MeetingPlan = Readonly<z.output<typeof meetingPlanSchema>>;

/** A facilitator's minutes given as JSON (a fenced `json` block or the whole reply); read tolerantly. */
export const facilitatorJsonSchema = z.object({
  summary: z.string().optional(),
  decisions: z.array(z.union([z.string(), z.object({ decision: z.string() }).transform((item) => item.decision)])).optional(),
  actionItems: z
    .array(
      z.union([
        z.string().transform((action) => ({ action })),
        z.object({ action: z.string(), owner: z.string().optional(), due: z.string().optional() }),
      ]),
    )
    .optional(),
});
