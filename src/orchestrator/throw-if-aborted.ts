import { EnsembleError } from '../core/index.js';

/** A run whose signal is already aborted does not start: RUN_CANCELLED with the abort's reason. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new EnsembleError('RUN_CANCELLED', `the run was cancelled before it started: ${abortReason(signal)}`, { cause: signal.reason });
}

/** The reason of an abort, as the text a cancelled run reports. */
export function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return typeof reason === 'string' ? reason : 'cancelled by its abort signal';
}
