import { EnsembleError, isEnsembleError } from '../core/index.js';

/** Runs a store operation, reporting SQLite failures (busy, closed, full disk) as `JOURNAL_ERROR` naming the file. */
export function guardStoreOperation<T>(path: string, action: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (isEnsembleError(error)) throw error;
    const code = (error as { code?: unknown }).code;
    throw new EnsembleError('JOURNAL_ERROR', `could not ${action} in ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      details: { path, sqliteCode: code },
      retryable: code === 'SQLITE_BUSY',
      cause: error,
    });
  }
}
