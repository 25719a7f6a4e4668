import { parseStoredJson, parseStoredValue } from './parse-stored-json.js';
import { escalationRowSchema, stringListSchema, type EscalationStatus } from './codebase-schema.js';
import { runIdOf } from './lease-record.js';

/** A question an agent (or a failure policy) asked a person, projected from `escalation:*` events. Times are epoch ms. */
export interface EscalationRecord {
  /** `E-<runId-suffix>-<taskId>-<attempt>`. */
  readonly id: string;
  readonly runId: string;
  readonly taskId: string;
  readonly agentName: string;
  /** The attempt that escalated. */
  readonly attempt: number;
  readonly ticketId?: string;
  readonly member?: string;
  readonly triggerType: string;
  readonly reason: string;
  readonly context: string;
  readonly options: readonly string[];
  /** 1 (lowest) to 10. */
  readonly priority: number;
  readonly status: EscalationStatus;
  readonly openedAt: number;
  readonly deadlineAt?: number;
  readonly defaultAction?: string;
  /** The person's guidance (or, once expired, the default action taken). */
  readonly answer?: string;
  readonly answeredBy?: string;
  readonly answeredAt?: number;
  /** Whether the answer reached the run's journal (`escalation:answered`). */
  readonly delivered: boolean;
}

/** Columns selected for {@link toEscalationRecord}. */
export const ESCALATION_COLUMNS =
  'escalation_id, run_id, task_id, agent_name, attempt, ticket_id, member, trigger_type, reason, context, options_json, priority, status, ' +
  'opened_at, deadline_at, default_action, answer, answered_by, answered_at, delivered';

/** Reads an `escalations` row back through its schema. */
export function toEscalationRecord(value: unknown): EscalationRecord {
  const runId = runIdOf(value);
  const row = parseStoredValue(escalationRowSchema, value, { runId, field: 'escalation row' });
  return {
    id: row.escalation_id,
    runId: row.run_id,
    taskId: row.task_id,
    agentName: row.agent_name,
    attempt: row.attempt,
    ...(row.ticket_id === null ? {} : { ticketId: row.ticket_id }),
    ...(row.member === null ? {} : { member: row.member }),
    triggerType: row.trigger_type,
    reason: row.reason,
    context: row.context,
    options: parseStoredJson(stringListSchema, row.options_json, { runId, field: `escalation "${row.escalation_id}" options_json` }),
    priority: row.priority,
    status: row.status,
    openedAt: row.opened_at,
    ...(row.deadline_at === null ? {} : { deadlineAt: row.deadline_at }),
    ...(row.default_action === null ? {} : { defaultAction: row.default_action }),
    ...(row.answer === null ? {} : { answer: row.answer }),
    ...(row.answered_by === null ? {} : { answeredBy: row.answered_by }),
    ...(row.answered_at === null ? {} : { answeredAt: row.answered_at }),
    delivered: row.delivered === 1,
  };
}
