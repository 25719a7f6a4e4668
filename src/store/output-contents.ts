import type Database from 'better-sqlite3';
import { EnsembleError, toEventJson, type RunEvent } from '../core/index.js';

/**
 * Outputs longer than this many characters are stored once, in `contents`, and referenced by id
 * from the `task:complete` event, the task row and `workflow:results` (issue 6: each output was
 * stored three times; two 50 MB outputs made a 315 MB journal). Shorter ones stay inline, where
 * reading them back costs no extra lookup.
 */
export const INLINE_OUTPUT_LIMIT = 4096;

/** The field that replaces `output` in a stored event when the output lives in `contents`. */
const REFERENCE_FIELD = 'outputContentId';

/** An event as written to the `events` table, and the content its output was moved to, if any. */
export interface StoredEvent {
  readonly json: string;
  /** For `task:complete`: where its output is stored (the task row refers to it too), or null when inline. */
  readonly outputContentId: number | null;
}

/** The journal's store of large outputs: each one written once per run, read back by id. */
export class OutputContents {
  private readonly insert: Database.Statement;
  private readonly select: Database.Statement<[number | bigint], string>;
  private readonly selectTaskContent: Database.Statement<[string, string], number | null>;
  private readonly isSameContent: Database.Statement<[number, string], number>;

  constructor(database: Database.Database) {
    this.insert = database.prepare('INSERT INTO contents (run_id, body) VALUES (?, ?)');
    this.select = database.prepare<[number | bigint], string>('SELECT body FROM contents WHERE content_id = ?').pluck();
    this.selectTaskContent = database.prepare<[string, string], number | null>('SELECT output_content_id FROM tasks WHERE run_id = ? AND task_id = ?').pluck();
    this.isSameContent = database.prepare<[number, string], number>('SELECT 1 FROM contents WHERE content_id = ? AND body = ?').pluck();
  }

  /** Serialises an event for the `events` table, moving large outputs to `contents` (inside the caller's transaction). */
  toStoredEvent(event: RunEvent): StoredEvent {
    if (event.type === 'task:complete' && event.output.length > INLINE_OUTPUT_LIMIT) {
      const contentId = this.store(event.runId, event.output);
      const { output: _output, ...rest } = event;
      return { json: JSON.stringify({ ...rest, [REFERENCE_FIELD]: contentId }), outputContentId: contentId };
    }
    if (event.type === 'workflow:results' && event.results.some((result) => (result.output?.length ?? 0) > INLINE_OUTPUT_LIMIT)) {
      const results = event.results.map((result) => {
        if (result.output === undefined || result.output.length <= INLINE_OUTPUT_LIMIT) return result;
        const { output, ...rest } = result;
        // The task's completion stored this very output already (in this session or before a resume).
        return { ...rest, [REFERENCE_FIELD]: this.taskContent(event.runId, result.taskId, output) ?? this.store(event.runId, output) };
      });
      return { json: JSON.stringify({ ...event, results }), outputContentId: null };
    }
    return { json: toEventJson(event), outputContentId: null };
  }

  /** Puts back the outputs a stored event refers to, so readers get the event as it was emitted. */
  inflate(value: unknown, runId: string): unknown {
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    if (record.type === 'task:complete') return this.inflateOutput(record, runId);
    if (record.type === 'workflow:results' && Array.isArray(record.results)) {
      return { ...record, results: record.results.map((result: unknown) => (typeof result === 'object' && result !== null ? this.inflateOutput(result as Record<string, unknown>, runId) : result)) };
    }
    return value;
  }

  /** Whether a stored event's text may refer to contents (a cheap test before parsing it twice). */
  static mayReferToContent(json: string): boolean {
    return json.includes(`"${REFERENCE_FIELD}"`);
  }

  private inflateOutput(record: Record<string, unknown>, runId: string): Record<string, unknown> {
    const contentId = record[REFERENCE_FIELD];
    if (typeof contentId !== 'number') return record;
    const { [REFERENCE_FIELD]: _reference, ...rest } = record;
    return { ...rest, output: this.read(contentId, runId) };
  }

  private read(contentId: number, runId: string): string {
    const body = this.select.get(contentId);
    if (body === undefined) {
      throw new EnsembleError('JOURNAL_ERROR', `run "${runId}" refers to stored output ${contentId}, which is missing`, { details: { runId, contentId } });
    }
    return body;
  }

  private store(runId: string, body: string): number {
    return Number(this.insert.run(runId, body).lastInsertRowid);
  }

  private taskContent(runId: string, taskId: string, body: string): number | undefined {
    const contentId = this.selectTaskContent.get(runId, taskId);
    if (contentId === undefined || contentId === null) return undefined;
    return this.isSameContent.get(contentId, body) === 1 ? contentId : undefined;
  }
}
