import { EnsembleError, type RunEvent } from '../core/index.js';
import { OutputContents } from './output-contents.js';
import { parseStoredJson, parseStoredValue } from './parse-stored-json.js';
import { eventRowSchema, runEventSchema } from './schema.js';

/**
 * Reads one journaled event back through the event schema, checking it is the event its row is
 * filed under; outputs stored apart (in `contents`) are put back, so the event is whole.
 */
export function toRunEvent(runId: string, value: unknown, contents: OutputContents): RunEvent {
  const row = parseStoredValue(eventRowSchema, value, { runId, field: 'event row' });
  const prepare = OutputContents.mayReferToContent(row.event_json) ? (parsed: unknown) => contents.inflate(parsed, runId) : undefined;
  const event: RunEvent = parseStoredJson(runEventSchema, row.event_json, { runId, field: `event seq ${row.seq}` }, prepare);
  if (event.runId !== runId || event.seq !== row.seq) {
    throw new EnsembleError('JOURNAL_ERROR', `run "${runId}" event seq ${row.seq} holds the event of run "${event.runId}" seq ${event.seq}`, {
      details: { runId, seq: row.seq },
    });
  }
  return event;
}
