import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardOutput } from './guard-output.js';

describe('guardOutput (issue 6: a closed stdout ends output quietly)', () => {
  it('passes writes through while the reader is there', () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const output = guardOutput(stream);
    output.write('a');
    output.write('b');
    expect(chunks.join('')).toBe('ab');
    expect(output.isClosed).toBe(false);
    expect(output.isTTY).toBe(false);
    expect(output.columns).toBeUndefined();
  });

  it('drops writes, without an unhandled error, once a write failed', async () => {
    let writes = 0;
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const output = guardOutput(stream);
    output.write('first');
    // The error event comes on a later tick; without the guard it would be unhandled.
    await new Promise((resolve) => setImmediate(resolve));
    expect(output.isClosed).toBe(true);
    output.write('second');
    expect(writes).toBe(1);
    // Guarding the same stream again keeps its state: it stays closed.
    expect(guardOutput(stream).isClosed).toBe(true);
  });
});
