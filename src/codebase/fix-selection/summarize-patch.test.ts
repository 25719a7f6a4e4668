import { describe, expect, it } from 'vitest';
import { describePatchSummary, summarizePatch, toReadablePatch } from './summarize-patch.js';

const PATCH = [
  'diff --git a/src/calc.js b/src/calc.js',
  'index 1111111..2222222 100644',
  '--- a/src/calc.js',
  '+++ b/src/calc.js',
  '@@ -1,2 +1,3 @@',
  '-exports.add = (a, b) => a - b;',
  '+// fixed',
  '+exports.add = (a, b) => a + b;',
  ' exports.sub = (a, b) => a - b;',
  'diff --git a/logo.png b/logo.png',
  'new file mode 100644',
  'index 0000000000000000000000000000000000000000..3333333333333333333333333333333333333333',
  'GIT binary patch',
  'literal 4',
  'LcmZQzWMT#Y01f~L',
  '',
  'literal 0',
  'HcmV?d00001',
  '',
  '',
].join('\n');

describe('summarizePatch', () => {
  it('counts files, lines of text hunks and binary files', () => {
    const summary = summarizePatch(Buffer.from(PATCH));
    expect(summary).toEqual({ files: ['src/calc.js', 'logo.png'], addedLines: 2, removedLines: 1, binaryFiles: ['logo.png'], bytes: Buffer.byteLength(PATCH) });
    expect(describePatchSummary(summary)).toBe(`2 files (src/calc.js, logo.png), +2 −1, 1 binary, ${Buffer.byteLength(PATCH)} bytes`);
    expect(describePatchSummary(summarizePatch(Buffer.alloc(0)))).toBe('no change');
  });

  it('shows readers a note instead of binary data, and cuts long patches', () => {
    const readable = toReadablePatch(Buffer.from(PATCH), 10_000);
    expect(readable).toContain('+exports.add = (a, b) => a + b;');
    expect(readable).toContain('[binary change, not shown]');
    expect(readable).not.toContain('LcmZQzWMT');
    expect(toReadablePatch(Buffer.from(PATCH), 40)).toBe(`${PATCH.slice(0, 40)}\n[patch cut at 40 bytes]`);
  });
});
