import { isEnsembleError, type EnsembleError } from '../../src/core/index.js';

/** The EnsembleError `promise` rejects with; throws if it resolves, and rethrows any other rejection. */
export async function rejection(promise: Promise<unknown>): Promise<EnsembleError> {
  try {
    await promise;
  } catch (error) {
    if (isEnsembleError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** What `action` throws; throws itself if `action` returns. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
