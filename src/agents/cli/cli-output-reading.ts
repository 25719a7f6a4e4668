import type { PermissionCeiling, ReportedCommand, ReportedFileChange, TokenUsage, ToolRefusal } from '../../core/index.js';

/** What a finished coding-agent CLI left: its stdout, the tail of its stderr, and how it ended. */
export interface CliProcessOutput {
  readonly stdout: string;
  /** The last 64 KiB of stderr: Gemini CLI writes its JSON error there, with stdout empty. */
  readonly stderr: string;
  /** null when killed by a signal. */
  readonly exitCode: number | null;
  /** The run's permission ceiling: tells a call refused under it from one that failed (Gemini reports both as failures). */
  readonly permissions?: PermissionCeiling;
  /** The argv the CLI ran with (flags such as `-m MODEL`). */
  readonly argv?: readonly string[];
  /** The model the CLI's own configuration names, for CLIs that do not report it (Codex); see `readConfiguredModel`. */
  readonly configuredModel?: string;
}

/** What the CLI reported doing besides answering; every list empty when it reported nothing. */
export interface CliActivity {
  /** Tool calls refused on permission grounds (Claude's `permission_denials`, Codex's sandbox rejections, Gemini's refused calls). */
  readonly refusals: readonly ToolRefusal[];
  /** Files the CLI reported changing (Codex `file_change` items). */
  readonly changes: readonly ReportedFileChange[];
  /** Commands the CLI reported running (Codex `command_execution` items). */
  readonly commands: readonly ReportedCommand[];
  /** Gemini's `stats.files`: lines added and removed over the session. */
  readonly linesAdded?: number;
  readonly linesRemoved?: number;
  /** Tool calls that failed for any reason (Gemini's `stats.tools.totalFail`). */
  readonly failedToolCalls?: number;
}

/** No activity reported. */
export const NO_CLI_ACTIVITY: CliActivity = Object.freeze({ refusals: [], changes: [], commands: [] });

/**
 * What kind of failure a CLI reported, which decides whether a retry can help: `auth` (a bad or
 * missing key: 401, 403) and `configuration` (the CLI's own set-up: an untrusted folder, no auth
 * method, an unknown model) fail at once; `rate-limit`, `transient` (5xx, network) and `agent`
 * (the model's run stopped short, e.g. max turns) are retryable.
 */
export type CliFailureCategory = 'auth' | 'configuration' | 'rate-limit' | 'transient' | 'agent';

/** Failure categories a retry cannot fix. */
export const PERMANENT_CLI_FAILURES: ReadonlySet<CliFailureCategory> = new Set(['auth', 'configuration']);

/** What a coding-agent CLI's output says: an answer, a failure it reported, or nothing readable. */
export type CliOutputReading =
  | {
      readonly kind: 'answer';
      readonly output: string;
      readonly usage: TokenUsage;
      readonly costUsd: number;
      /** Model ids the CLI used for the work, comma-separated (no routing models, no `[1m]` tags). */
      readonly model?: string;
      readonly activity: CliActivity;
    }
  | {
      readonly kind: 'failure';
      /** The CLI's own message, free of terminal escape codes. */
      readonly message: string;
      readonly category: CliFailureCategory;
      /** The provider's HTTP status when the CLI reported one (Claude `api_error_status`, Gemini `error.code`). */
      readonly status?: number;
      readonly usage: TokenUsage;
      readonly costUsd: number;
      readonly model?: string;
      readonly activity: CliActivity;
    }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** Reads one CLI's output; never throws on third-party data. */
export type CliOutputParser = (output: CliProcessOutput) => CliOutputReading;

/** Token usage from input and output counts. */
export const toUsage = (inputTokens: number, outputTokens: number): TokenUsage => ({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });

/**
 * The failure category of an HTTP status a CLI reported: 401/403 `auth`, 429 `rate-limit`,
 * 5xx and 408 `transient`, other 4xx `configuration` (a bad model name or request the CLI will
 * send again unchanged), anything else `agent`.
 */
export function categoriseHttpStatus(status: number | undefined): CliFailureCategory {
  if (status === undefined) return 'agent';
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate-limit';
  if (status === 408 || status >= 500) return 'transient';
  if (status >= 400) return 'configuration';
  return 'agent';
}

export type JsonDocument = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** The whole text as JSON; failing that, from the first line that opens an object (CLIs print banners and warnings first). */
export function parseJsonDocument(text: string): JsonDocument {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'it is empty' };
  try {
    return { ok: true, value: JSON.parse(trimmed) as unknown };
  } catch (error) {
    const start = trimmed.search(/^\{/m);
    const value = start > 0 ? tryParseJson(trimmed.slice(start)) : undefined;
    if (value !== undefined) return { ok: true, value };
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** JSON.parse, or undefined for text that is not JSON. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Each line of `text` that parses as a JSON object, in order (JSONL with banners or blank lines in between). */
export function parseJsonLines(text: string): unknown[] {
  const values: unknown[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    const value = tryParseJson(trimmed);
    if (value !== undefined) values.push(value);
  }
  return values;
}
