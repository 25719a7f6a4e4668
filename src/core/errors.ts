/**
 * The one error type of ensemble. Errors cross processes (journal, HTTP, workers), so they
 * serialise to plain data and callers branch on `code`, never on `instanceof`.
 */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'INVALID_WORKFLOW',
  'GRAPH_CYCLE',
  'GRAPH_UNKNOWN_DEPENDENCY',
  'GRAPH_DUPLICATE_ID',
  'UNKNOWN_AGENT',
  'UNKNOWN_WORKFLOW',
  'UNKNOWN_RUN',
  'INVALID_AGENT_DEFINITION',
  'TASK_TIMEOUT',
  'RUN_TIMEOUT',
  'RUN_CANCELLED',
  'RUN_INTERRUPTED',
  'RUN_NOT_RESUMABLE',
  'RUN_ACTIVE',
  'AGENT_FAILED',
  'AGENT_EXIT_NONZERO',
  'AGENT_SPAWN_FAILED',
  'AGENT_OUTPUT_LIMIT',
  'AGENT_LIMIT_EXCEEDED',
  'AGENT_PERMISSION_DENIED',
  'TOOL_REFUSED',
  'TOOL_FAILED',
  'MCP_SERVER_FAILED',
  'BUDGET_EXCEEDED',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_CIRCUIT_OPEN',
  'PROVIDER_ERROR',
  'PROVIDER_NOT_CONFIGURED',
  'INVALID_CONFIG',
  'JOURNAL_ERROR',
  // The shared codebase: escalations, leases, verification, reviews, git and tmux.
  'AGENT_ESCALATED',
  'ESCALATION_EXPIRED',
  'ESCALATION_CLOSED',
  'LEASE_CONFLICT',
  'LEASE_VIOLATION',
  'VERIFICATION_FAILED',
  'MERGE_CONFLICT',
  'GIT_FAILED',
  'TMUX_FAILED',
  // Scale-out: the Redis server behind the task queue, bus and shared state cannot be reached.
  'REDIS_UNAVAILABLE',
  // The HTTP API's own refusals (a route, a method, a body, a token, a rate limit).
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHORIZED',
  'RATE_LIMITED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Plain-data form of an {@link EnsembleError}, as stored in the journal and sent over HTTP. */
export interface SerializedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface EnsembleErrorOptions {
  /** Extra machine-readable facts (offending ids, paths, limits). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Whether trying the same thing again may succeed. @default false */
  readonly retryable?: boolean;
  /** A hint from the source (HTTP retry-after) of how long to wait before retrying, in ms. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export class EnsembleError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: EnsembleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EnsembleError';
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isEnsembleError(value: unknown): value is EnsembleError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'EnsembleError' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** Normalises anything thrown into an EnsembleError, keeping the original as `cause`. */
export function toEnsembleError(value: unknown, fallbackCode: ErrorCode = 'INTERNAL'): EnsembleError {
  if (isEnsembleError(value)) return value;
  if (value instanceof Error) {
    return new EnsembleError(fallbackCode, value.message || value.name, { cause: value });
  }
  return new EnsembleError(fallbackCode, typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), {
    cause: value,
  });
}

/** Anything an agent throws becomes an EnsembleError; unknown failures may be retried per policy. */
export function toAgentError(thrown: unknown): EnsembleError {
  if (isEnsembleError(thrown)) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new EnsembleError('AGENT_FAILED', message || 'agent failed', { retryable: true, cause: thrown });
}

export function serializeError(error: EnsembleError): SerializedError {
  return {
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    ...(error.details === undefined ? {} : { details: error.details }),
  };
}

export function deserializeError(data: SerializedError): EnsembleError {
  return new EnsembleError(data.code, data.message, {
    retryable: data.retryable,
    ...(data.retryAfterMs === undefined ? {} : { retryAfterMs: data.retryAfterMs }),
    ...(data.details === undefined ? {} : { details: data.details }),
  });
}
