import type { SerializedError, TaskEvidence, TaskStatus, TokenUsage } from '../core/index.js';
import { parseStoredJson, parseStoredValue } from './parse-stored-json.js';
import { dependenciesSchema, serializedErrorSchema, taskEvidenceSchema, taskRowSchema } from './schema.js';

/** One task of a run as the journal knows it, projected from its events. Times are epoch ms. */
export interface TaskRecord {
  readonly taskId: string;
  readonly agentName: string;
  readonly description: string;
  readonly dependencies: readonly string[];
  readonly priority: number;
  /** Position in the run's declaration order, from 0. */
  readonly ordinal: number;
  readonly status: TaskStatus;
  /** The latest attempt started (1 for the first); 0 if it never started. */
  readonly attempts: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly durationMs?: number;
  readonly output?: string;
  /** The last failure (of a retried or failed attempt); cleared when the task succeeds. */
  readonly error?: SerializedError;
  readonly usage: TokenUsage;
  /** Dollars. */
  readonly costUsd: number;
  readonly model?: string;
  readonly evidence?: TaskEvidence;
}

/** A task's output, inline or stored once in `contents` (a large one). */
export const TASK_OUTPUT_COLUMN = 'COALESCE(output, (SELECT body FROM contents WHERE content_id = tasks.output_content_id))';

/** Columns selected for {@link toTaskRecord}. */
export const TASK_COLUMNS =
  'task_id, agent_name, description, dependencies_json, priority, ordinal, status, attempts, started_at, finished_at, duration_ms, ' +
  `${TASK_OUTPUT_COLUMN} AS output, error_json, input_tokens, output_tokens, total_tokens, cost_usd, model, evidence_json`;

/** Reads a `tasks` row back through the schemas; a corrupt row fails with `JOURNAL_ERROR` naming run and task. */
export function toTaskRecord(runId: string, value: unknown): TaskRecord {
  const row = parseStoredValue(taskRowSchema, value, { runId, field: 'task row' });
  const where = (column: string): { runId: string; field: string } => ({ runId, field: `task "${row.task_id}" ${column}` });
  return {
    taskId: row.task_id,
    agentName: row.agent_name,
    description: row.description,
    dependencies: row.dependencies_json === '[]' ? [] : parseStoredJson(dependenciesSchema, row.dependencies_json, where('dependencies_json')),
    priority: row.priority,
    ordinal: row.ordinal,
    status: row.status,
    attempts: row.attempts,
    ...(row.started_at === null ? {} : { startedAt: row.started_at }),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    ...(row.duration_ms === null ? {} : { durationMs: row.duration_ms }),
    ...(row.output === null ? {} : { output: row.output }),
    ...(row.error_json === null ? {} : { error: parseStoredJson(serializedErrorSchema, row.error_json, where('error_json')) }),
    usage: { inputTokens: row.input_tokens, outputTokens: row.output_tokens, totalTokens: row.total_tokens },
    costUsd: row.cost_usd,
    ...(row.model === null ? {} : { model: row.model }),
    ...(row.evidence_json === null ? {} : { evidence: parseStoredJson(taskEvidenceSchema, row.evidence_json, where('evidence_json')) }),
  };
}
