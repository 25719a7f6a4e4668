import { randomBytes } from 'node:crypto';

/** Run ids sort by creation time and are safe in file names and URLs: `run-<base36 ms>-<6 hex>`. */
export function createRunId(nowMs: number = Date.now()): string {
  return `run-${nowMs.toString(36)}-${randomBytes(3).toString('hex')}`;
}
