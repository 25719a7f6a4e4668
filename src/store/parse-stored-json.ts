import type { z } from 'zod';
import { EnsembleError, toInputIssues } from '../core/index.js';

/** Where a stored value was read: its run, and the column (and task) within it. */
export interface StoredLocation {
  readonly runId: string;
  /** `spec_json`, `task "build" error_json`, `event seq 12` … */
  readonly field: string;
}

/**
 * Parses and validates JSON read back from the journal. A value that does not parse is reported
 * as `JOURNAL_ERROR` naming the run and field (`run "r1" spec_json is unreadable: tasks[3].priority: …`).
 */
export function parseStoredJson<Schema extends z.ZodType>(
  schema: Schema,
  text: string,
  location: StoredLocation,
  /** Applied to the parsed JSON before validation (outputs stored apart are put back). */
  prepare?: (value: unknown) => unknown,
): z.output<Schema> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new EnsembleError('JOURNAL_ERROR', `run "${location.runId}" ${location.field} is not valid JSON: ${reason}`, {
      details: { ...location },
      cause: error,
    });
  }
  return parseStoredValue(schema, prepare === undefined ? value : prepare(value), location);
}

/** Validates a value read back from the journal (a row, or parsed JSON); fails as {@link parseStoredJson} does. */
export function parseStoredValue<Schema extends z.ZodType>(schema: Schema, value: unknown, location: StoredLocation): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toInputIssues(parsed.error);
  const listed = issues.slice(0, 5).map((issue) => `${issue.path}: ${issue.message}`);
  if (issues.length > listed.length) listed.push(`… and ${issues.length - listed.length} more`);
  throw new EnsembleError('JOURNAL_ERROR', `run "${location.runId}" ${location.field} is unreadable: ${listed.join('; ')}`, {
    details: { ...location, issues },
  });
}
