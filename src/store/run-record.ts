import type { RunConfig, RunStatus, RunSummary, SerializedError, TaskSpec } from '../core/index.js';
import { parseStoredJson, parseStoredValue } from './parse-stored-json.js';
import { runRowSchema, runSpecSchema, runSummarySchema, serializedErrorSchema } from './schema.js';

/** The process that executes a run; a run whose owner died is `interrupted`. */
export interface RunOwner {
  readonly pid: number;
  readonly host: string;
}

/** What a run was started with, kept so that any process can resume it. */
export interface RunSpec {
  readonly tasks: readonly TaskSpec[];
  readonly config: RunConfig;
  readonly parameters: Readonly<Record<string, unknown>>;
}

export interface CreateRunInput {
  readonly runId: string;
  readonly workflowName: string;
  readonly workflowId?: string;
  readonly spec: RunSpec;
  readonly owner: RunOwner;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** One run as the journal knows it. Times are epoch ms. */
export interface RunRecord {
  readonly runId: string;
  readonly workflowName: string;
  readonly workflowId?: string;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt?: number;
  readonly owner: RunOwner;
  readonly cancelRequestedAt?: number;
  /** From the run's last `workflow:complete`/`workflow:error`. */
  readonly summary?: RunSummary;
  readonly error?: SerializedError;
  readonly spec: RunSpec;
  readonly taskCount: number;
  /** Seq of the run's last journaled event; 0 if none. */
  readonly lastSeq: number;
}

/** Columns selected for {@link toRunRecord}, in the order of the `runs` table. */
export const RUN_COLUMNS =
  'run_id, workflow_name, workflow_id, status, created_at, updated_at, finished_at, owner_pid, owner_host, cancel_requested_at, ' +
  'task_count, summary_json, error_json, spec_json, ' +
  // The run's events are the event_key range [run_key * 2^32, (run_key + 1) * 2^32); the last is its highest key.
  '(SELECT seq FROM events WHERE event_key BETWEEN runs.run_key * 4294967296 AND runs.run_key * 4294967296 + 4294967295 ' +
  'ORDER BY event_key DESC LIMIT 1) AS last_seq';

/** Reads a `runs` row back through the schemas; a corrupt row fails with `JOURNAL_ERROR` naming the run. */
export function toRunRecord(value: unknown): RunRecord {
  const runId = typeof value === 'object' && value !== null && 'run_id' in value ? String(value.run_id) : '(unknown)';
  const row = parseStoredValue(runRowSchema, value, { runId, field: 'row' });
  // A 50,000-task spec takes ~100 ms to validate: parse it only when someone reads it (listings do not).
  let spec: RunSpec | undefined;
  const record = {
    runId: row.run_id,
    workflowName: row.workflow_name,
    ...(row.workflow_id === null ? {} : { workflowId: row.workflow_id }),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    owner: { pid: row.owner_pid, host: row.owner_host },
    ...(row.cancel_requested_at === null ? {} : { cancelRequestedAt: row.cancel_requested_at }),
    ...(row.summary_json === null ? {} : { summary: parseStoredJson(runSummarySchema, row.summary_json, { runId, field: 'summary_json' }) }),
    ...(row.error_json === null ? {} : { error: parseStoredJson(serializedErrorSchema, row.error_json, { runId, field: 'error_json' }) }),
    taskCount: row.task_count,
    lastSeq: row.last_seq ?? 0,
  };
  return Object.defineProperty(record, 'spec', {
    enumerable: true,
    get: () => (spec ??= parseStoredJson(runSpecSchema, row.spec_json, { runId, field: 'spec_json' })),
  }) as typeof record & { readonly spec: RunSpec };
}
