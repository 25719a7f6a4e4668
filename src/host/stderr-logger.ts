import type { Logger } from '../core/index.js';

/** The default logger of the library and CLI: one `ensemble: …` line per message on stderr. */
export const stderrLogger: Logger = {
  warn(message: string): void {
    process.stderr.write(`ensemble: ${message}\n`);
  },
  error(message: string, cause?: unknown): void {
    const reason = cause === undefined ? '' : `: ${cause instanceof Error ? cause.message : String(cause)}`;
    process.stderr.write(`ensemble: ${message}${reason}\n`);
  },
};
