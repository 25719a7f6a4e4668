import { describe, expect, it } from 'vitest';
import { readSseEvents, type SseMessage } from './read-sse-events.js';

function streamOf(chunks: readonly (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function collect(chunks: readonly (string | Uint8Array)[]): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const message of readSseEvents(streamOf(chunks))) messages.push(message);
  return messages;
}

describe('readSseEvents', () => {
  it('reads ids, joins data lines, skips comments and retry lines, and ignores a message with no data', async () => {
    const text = 'retry: 1000\n\n: ping\n\nid: 1\ndata: {"a":1}\n\nid: 2\nevent: note\ndata: one\ndata:two\n\nid: 3\n\n';
    expect(await collect([text])).toEqual([
      { id: '1', data: '{"a":1}' },
      { id: '2', event: 'note', data: 'one\ntwo' },
    ]);
  });

  it('gives the same messages however the bytes are split: inside a line, a CRLF, or a UTF-8 character', async () => {
    const text = 'id: 7\r\ndata: héllo — ✓\r\n\r\nid: 8\rdata: x\r\r';
    const bytes = new TextEncoder().encode(text);
    const expected = [
      { id: '7', data: 'héllo — ✓' },
      { id: '8', data: 'x' },
    ];
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await collect([bytes.slice(0, cut), bytes.slice(cut)]), `cut at ${cut}`).toEqual(expected);
    }
    expect(await collect([...bytes].map((byte) => new Uint8Array([byte])))).toEqual(expected);
  });
});
