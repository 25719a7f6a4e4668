import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { EnsembleError, httpStatusFor, toEnsembleError, toInputIssues, type ErrorCode } from '../core/index.js';
import type { z } from 'zod';

/** The one error body of the HTTP API: `{error: {code, message}}`, plus `details` when the error has them. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly details?: Readonly<Record<string, unknown>> };
}

/** Errors about something a request body names (an unknown agent in its tasks): 400, not the 404 of a missing resource. */
const bodyErrors = new WeakSet<EnsembleError>();

/**
 * Runs `body`, whose failures are about the request body: a reference to an unknown agent or
 * template there is a bad body (400 with the same code), not a missing URL (404).
 */
export async function checkingBody<T>(body: () => Promise<T> | T): Promise<T> {
  try {
    return await body();
  } catch (thrown) {
    const error = toEnsembleError(thrown);
    bodyErrors.add(error);
    throw error;
  }
}

/** An error as the API answers it: the status from the core's error table, the code and message as thrown. */
export function toErrorResponse(context: Context, thrown: unknown): Response {
  const error = toEnsembleError(thrown);
  const tableStatus = httpStatusFor(error);
  const status = (tableStatus === 404 && bodyErrors.has(error) ? 400 : tableStatus) as ContentfulStatusCode;
  const body: ErrorBody = {
    error: {
      code: error.code,
      // An unexpected failure is logged whole by the server; the caller gets no stack or internals.
      message: error.code === 'INTERNAL' ? 'internal server error' : error.message,
      ...(error.details === undefined || error.code === 'INTERNAL' ? {} : { details: error.details }),
    },
  };
  if (error.retryAfterMs !== undefined) context.header('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  return context.json(body, status);
}

/** Parses a request part with its schema; INVALID_INPUT names every offending field with its path (`config.maxParallelAgents`). */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toInputIssues(parsed.error, where);
  throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
}
