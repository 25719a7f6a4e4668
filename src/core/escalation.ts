import type { ContextEntry } from './task-context.js';

/** What an agent (or a failure policy) asks a person when it cannot go on alone. */
export interface EscalationRequest {
  /** What kind of decision it needs: `architecture`, `security`, `data`, `ambiguity`, `agent-failed`, `invalid-output`, `lease`, `repeated-escalations`, or free text. */
  readonly triggerType: string;
  /** One line: what blocks it. */
  readonly reason: string;
  /** What the agent was doing and what it tried. */
  readonly context: string;
  /** The solutions it proposes (may be empty). */
  readonly options: readonly string[];
  /** How long a person has to answer, in ms; when nobody does, `defaultAction` is taken. */
  readonly deadlineMs?: number;
  /** The guidance used when the deadline passes; without one the task fails with ESCALATION_EXPIRED. */
  readonly defaultAction?: string;
}

/** An escalation the task waits on (restored by a resume from `escalation:open`). */
export interface OpenEscalation {
  readonly escalationId: string;
  readonly attempt: number;
  /** Epoch ms the deadline passes, when it has one. */
  readonly deadlineAt?: number;
  readonly defaultAction?: string;
}

/** A person's answer (or the default action) to one escalation, handed to the task's next attempt. */
export interface EscalationGuidance {
  readonly escalationId: string;
  readonly reason: string;
  readonly options: readonly string[];
  readonly guidance: string;
  /** True when nobody answered and the default action stands in for the answer. */
  readonly isDefault: boolean;
}

const TRIGGER_TYPE_LENGTH = 60;
const REASON_LENGTH = 500;
const CONTEXT_LENGTH = 8_000;
const OPTION_LENGTH = 1_000;
const OPTION_COUNT = 10;

/**
 * Reads an escalation out of untrusted data (an `AGENT_ESCALATED` error's details, a tool's input):
 * strings trimmed and bounded, so an agent cannot flood the human queue. Returns undefined when it
 * has no reason.
 */
export function toEscalationRequest(value: unknown): EscalationRequest | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const reason = boundedText(record['reason'], REASON_LENGTH);
  if (reason === '') return undefined;
  const options = Array.isArray(record['options'])
    ? record['options'].map((option) => boundedText(option, OPTION_LENGTH)).filter((option) => option !== '').slice(0, OPTION_COUNT)
    : [];
  const deadlineMs = record['deadlineMs'];
  const defaultAction = boundedText(record['defaultAction'], OPTION_LENGTH);
  return {
    triggerType: boundedText(record['triggerType'], TRIGGER_TYPE_LENGTH) || 'ambiguity',
    reason,
    context: boundedText(record['context'], CONTEXT_LENGTH),
    options,
    ...(typeof deadlineMs === 'number' && Number.isFinite(deadlineMs) && deadlineMs > 0 ? { deadlineMs: Math.round(deadlineMs) } : {}),
    ...(defaultAction === '' ? {} : { defaultAction }),
  };
}

/**
 * The human queue's order (1-10): the ticket's (or task's) priority, raised one step for every
 * `stepMs` the escalation has waited (seed: "based on ticket priority + wait time").
 */
export function escalationPriority(basePriority: number, waitedMs: number, stepMs = 15 * 60_000): number {
  const raised = basePriority + Math.floor(Math.max(0, waitedMs) / stepMs);
  return Math.min(10, Math.max(1, Math.round(raised)));
}

/** The context entry that carries a person's answer into the task's next attempt. */
export function toGuidanceEntry(guidance: EscalationGuidance, agentName: string, tokens: number): ContextEntry {
  return { key: `escalation:${guidance.escalationId}`, relation: 'guidance', source: guidance.escalationId, agentName, text: composeGuidanceText(guidance), treatment: 'whole', tokens };
}

/** What the agent reads: its own question, the options it gave, and the answer. */
export function composeGuidanceText(guidance: EscalationGuidance): string {
  const lines = [`You escalated: ${guidance.reason}`];
  if (guidance.options.length > 0) lines.push(`Options you proposed: ${guidance.options.map((option, index) => `(${index + 1}) ${option}`).join('; ')}`);
  lines.push(guidance.isDefault ? `Nobody answered before the deadline; the default action stands: ${guidance.guidance}` : `A person answered: ${guidance.guidance}`);
  return lines.join('\n');
}

function boundedText(value: unknown, maxLength: number): string {
  if (typeof value !== 'string') return '';
  const text = value.trim();
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
