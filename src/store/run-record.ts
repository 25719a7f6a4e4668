import type { RunConfig, RunStatus, RunSummary, SerializedError, TaskSpec } from '../core/index.js';
import { parseStoredJson, parseStoredValue } from './parse-stored-json.js';
import { runRowSchema, runSpecSchema, runSummarySchema, serializedErrorSchema } from './schema.js';

/** The process that executes a run; a run whose owner died is `interrupted`. */
export interface RunOwner {
  readonly pid: number;
  readonly host: string;
  /** When the process started, in clock ticks since boot (Linux `/proc/<pid>/stat` field 22); tells a reused pid apart. */
  readonly startTicks?: number;
}

/** The recorded owner of a run with its heartbeat, as judged by whoever wants to claim or list it. */
export interface RecordedOwner extends RunOwner {
  /** Epoch ms of the owner's last heartbeat; absent for runs written before heartbeats (schema v2). */
  readonly heartbeatAt?: number;
  /** A heartbeat older than this (ms) means the owner is gone. */
  readonly staleAfterMs?: number;
  /** The claim the owner holds (random per claim). */
  readonly token?: string;
}

/** What the run was started with besides its config: where it works and which provider and model it uses. */
export interface RunSettings {
  /** Absolute path of the workspace (cwd of process agents, root of file tools, where ./agents and the config file are read). */
  readonly workspaceDir?: string;
  /** Absolute agent folders given with `--agents-dir` / `agentDirs`, searched first. */
  readonly agentDirs?: readonly string[];
  /** `--provider`, when one was given. */
  readonly provider?: string;
  /** `--model`, when one was given. */
  readonly model?: string;
  /** `--redis` of a distributed run, without user and password. */
  readonly redis?: string;
}

/** What a run was started with, kept so that any process can resume it. */
export interface RunSpec {
  readonly tasks: readonly TaskSpec[];
  readonly config: RunConfig;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Absent in runs journaled before settings were kept. */
  readonly settings?: RunSettings;
}

/** The hold a process has on a run it created or claimed: it alone may journal the run and renew its heartbeat. */
export interface RunClaim {
  readonly runId: string;
  readonly token: string;
  readonly owner: RunOwner;
}

export interface CreateRunInput {
  readonly runId: string;
  readonly workflowName: string;
  readonly workflowId?: string;
  readonly spec: RunSpec;
  readonly owner: RunOwner;
  /** Epoch ms. */
  readonly createdAt: number;
  /** How old a heartbeat may get before the run counts as interrupted, in ms. @default 30000 */
  readonly staleAfterMs?: number;
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
  /** Epoch ms of the owner's last heartbeat (runs journaled before heartbeats have none). */
  readonly heartbeatAt?: number;
  /** A heartbeat older than this (ms) means the owner is gone. */
  readonly staleAfterMs?: number;
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
  'run_id, workflow_name, workflow_id, status, created_at, updated_at, finished_at, owner_pid, owner_host, owner_start_ticks, ' +
  'heartbeat_at, stale_after_ms, cancel_requested_at, ' +
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
    owner: { pid: row.owner_pid, host: row.owner_host, ...(row.owner_start_ticks === null ? {} : { startTicks: row.owner_start_ticks }) },
    ...(row.heartbeat_at === null ? {} : { heartbeatAt: row.heartbeat_at }),
    ...(row.stale_after_ms === null ? {} : { staleAfterMs: row.stale_after_ms }),
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
