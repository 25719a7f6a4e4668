import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { EnsembleError, isEnsembleError } from '../core/index.js';

/** A `TOOL_REFUSED` error about the path the model gave: `"<path>" <why>` (the model reads it and tries again). */
export function refusePath(requested: string, why: string): EnsembleError {
  return new EnsembleError('TOOL_REFUSED', `${JSON.stringify(requested)} ${why}`, { details: { path: requested } });
}

/** A `TOOL_FAILED` error for an I/O failure on the path the model gave, keeping the cause. */
export function failPath(requested: string, action: string, error: unknown): EnsembleError {
  const reason = error instanceof Error ? error.message : String(error);
  return new EnsembleError('TOOL_FAILED', `cannot ${action} ${JSON.stringify(requested)}: ${reason}`, { cause: error, details: { path: requested } });
}

/** What is at `realPath`, or `undefined` when nothing is there. @throws EnsembleError `TOOL_FAILED` for any other failure */
export async function statIfExists(realPath: string, requested: string): Promise<Stats | undefined> {
  try {
    return await stat(realPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw failPath(requested, 'inspect', error);
  }
}

/**
 * Runs `work`, turning an unexpected I/O failure (permission denied, disk full) into `TOOL_FAILED`
 * naming the path, so the model sees why. EnsembleErrors pass as they are, and so does anything
 * thrown once `signal` has aborted: aborts are never dressed up as tool failures.
 */
export async function withPathFailures<Result>(requested: string, action: string, signal: AbortSignal, work: () => Promise<Result>): Promise<Result> {
  try {
    return await work();
  } catch (error) {
    if (signal.aborted || isEnsembleError(error)) throw error;
    throw failPath(requested, action, error);
  }
}
