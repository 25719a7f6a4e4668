import { isEnsembleError, type ErrorCode } from './errors.js';

/** How an error code surfaces: the CLI's exit code and the HTTP API's status. */
export interface ErrorSurface {
  /** 2 when the input was invalid (the message names it), 1 when the work failed. */
  readonly exitCode: 1 | 2;
  readonly httpStatus: number;
}

const INVALID_INPUT: ErrorSurface = { exitCode: 2, httpStatus: 400 };
const NOT_FOUND: ErrorSurface = { exitCode: 2, httpStatus: 404 };
const AGENT_FAILURE: ErrorSurface = { exitCode: 1, httpStatus: 502 };
const TIMEOUT: ErrorSurface = { exitCode: 1, httpStatus: 504 };
const UNAVAILABLE: ErrorSurface = { exitCode: 1, httpStatus: 503 };
const INTERNAL: ErrorSurface = { exitCode: 1, httpStatus: 500 };

/**
 * The one table from error code to exit code and HTTP status. Exit code 2 always goes with a 4xx
 * (the caller must change its input); everything the work or a dependency did wrong is 1 and 5xx,
 * except the states a caller can wait out or settle: 409 (a run's state), 402 (a spending cap),
 * 429 (a provider's rate limit). Typed over every code, so a new code cannot be left out.
 */
export const ERROR_SURFACES = {
  INVALID_INPUT,
  INVALID_WORKFLOW: INVALID_INPUT,
  GRAPH_CYCLE: INVALID_INPUT,
  GRAPH_UNKNOWN_DEPENDENCY: INVALID_INPUT,
  GRAPH_DUPLICATE_ID: INVALID_INPUT,
  INVALID_AGENT_DEFINITION: INVALID_INPUT,
  INVALID_CONFIG: INVALID_INPUT,
  // The caller asked for a provider that is not set up: fixed by configuration, not by retrying.
  PROVIDER_NOT_CONFIGURED: INVALID_INPUT,
  UNKNOWN_AGENT: NOT_FOUND,
  UNKNOWN_WORKFLOW: NOT_FOUND,
  UNKNOWN_RUN: NOT_FOUND,
  RUN_NOT_RESUMABLE: { exitCode: 2, httpStatus: 409 },
  // A run still running under a live owner cannot be removed: cancel it first.
  RUN_ACTIVE: { exitCode: 2, httpStatus: 409 },
  RUN_CANCELLED: { exitCode: 1, httpStatus: 409 },
  // Its process stopped it to shut down (`ensemble serve` on SIGTERM): the run is resumable, and the server resumes it on its next start.
  RUN_INTERRUPTED: UNAVAILABLE,
  TASK_TIMEOUT: TIMEOUT,
  RUN_TIMEOUT: TIMEOUT,
  AGENT_FAILED: AGENT_FAILURE,
  AGENT_EXIT_NONZERO: AGENT_FAILURE,
  AGENT_SPAWN_FAILED: INTERNAL,
  AGENT_OUTPUT_LIMIT: AGENT_FAILURE,
  AGENT_LIMIT_EXCEEDED: AGENT_FAILURE,
  // The agent was refused an action under the run's permission ceiling: not retried, the ceiling must change.
  AGENT_PERMISSION_DENIED: AGENT_FAILURE,
  // A tool call refused (a path outside the workspace, a tool above the ceiling) or failed: the
  // model sees it as the call's result; it reaches a caller only through a library tool runner.
  TOOL_REFUSED: INVALID_INPUT,
  TOOL_FAILED: AGENT_FAILURE,
  // An MCP server the task needs did not start or answer: fixed by configuration, not by retrying.
  MCP_SERVER_FAILED: AGENT_FAILURE,
  BUDGET_EXCEEDED: { exitCode: 1, httpStatus: 402 },
  PROVIDER_RATE_LIMITED: { exitCode: 1, httpStatus: 429 },
  PROVIDER_UNAVAILABLE: UNAVAILABLE,
  PROVIDER_CIRCUIT_OPEN: UNAVAILABLE,
  PROVIDER_ERROR: AGENT_FAILURE,
  JOURNAL_ERROR: INTERNAL,
  // An agent asked a person: the task waits for the answer (it reaches a caller only when nobody can answer).
  AGENT_ESCALATED: { exitCode: 1, httpStatus: 409 },
  ESCALATION_EXPIRED: TIMEOUT,
  // Answering an escalation that was already answered, expired or cancelled.
  ESCALATION_CLOSED: { exitCode: 2, httpStatus: 409 },
  // A path another agent holds a lease on: wait for it, or ask for the lease.
  LEASE_CONFLICT: { exitCode: 1, httpStatus: 409 },
  LEASE_VIOLATION: AGENT_FAILURE,
  VERIFICATION_FAILED: AGENT_FAILURE,
  // A branch that no longer merges cleanly: the ticket is re-queued or a person resolves it.
  MERGE_CONFLICT: { exitCode: 1, httpStatus: 409 },
  GIT_FAILED: INTERNAL,
  // tmux is missing or refused a command (`apt-get install tmux`).
  TMUX_FAILED: INTERNAL,
  // `--redis` names a server that does not answer: start it, or fix the URL.
  REDIS_UNAVAILABLE: UNAVAILABLE,
  NOT_FOUND,
  METHOD_NOT_ALLOWED: { exitCode: 2, httpStatus: 405 },
  PAYLOAD_TOO_LARGE: { exitCode: 2, httpStatus: 413 },
  UNAUTHORIZED: { exitCode: 2, httpStatus: 401 },
  // The server's own per-client limit on starting runs (a provider's 429 is PROVIDER_RATE_LIMITED).
  RATE_LIMITED: { exitCode: 1, httpStatus: 429 },
  INTERNAL,
} as const satisfies Record<ErrorCode, ErrorSurface>;

/** The CLI exit code of an error code or an EnsembleError; anything else thrown is 1. */
export function exitCodeFor(codeOrError: unknown): 1 | 2 {
  return surfaceOf(codeOrError).exitCode;
}

/** The HTTP status of an error code or an EnsembleError; anything else thrown is 500. */
export function httpStatusFor(codeOrError: unknown): number {
  return surfaceOf(codeOrError).httpStatus;
}

function surfaceOf(value: unknown): ErrorSurface {
  const code = isEnsembleError(value) ? value.code : value;
  return typeof code === 'string' && Object.hasOwn(ERROR_SURFACES, code) ? ERROR_SURFACES[code as ErrorCode] : INTERNAL;
}
