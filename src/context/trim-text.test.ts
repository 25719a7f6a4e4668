import { describe, expect, it } from 'vitest';
import { countTokensWith } from './count-tokens.js';
import { fairShares } from './fair-shares.js';
import { trimText } from './trim-text.js';

const count = (text: string): number => countTokensWith(text, 'o200k_base');

/** A long listing: numbered lines of code, the first and last recognisable. */
function listing(characters: number): string {
  const lines = ['// FIRST LINE of the listing'];
  let length = lines[0]!.length;
  for (let line = 1; length < characters - 40; line++) {
    const text = `export function handler${line}(request: Request): Response { return respond(${line * 7}, request.body); }`;
    lines.push(text);
    length += text.length + 1;
  }
  lines.push('// LAST LINE of the listing');
  return lines.join('\n');
}

describe('trimText', () => {
  it('keeps the head and the tail of a 400,000-character text within the target, the cut marked with its size', () => {
    const text = listing(400_000);
    const sourceTokens = count(text);
    const piece = trimText(text, { targetTokens: 6000, sourceTokens, label: 'the output of task backend (backend-architect)', count });
    expect(piece.tokens).toBe(count(piece.text));
    expect(piece.tokens).toBeLessThanOrEqual(6000);
    // The search lands close to the target instead of wasting the budget.
    expect(piece.tokens).toBeGreaterThan(5800);
    expect(piece.text.startsWith('// FIRST LINE of the listing\n')).toBe(true);
    expect(piece.text.endsWith('\n// LAST LINE of the listing')).toBe(true);
    const marker = /\[… ensemble trimmed the output of task backend \(backend-architect\): ([\d,]+) characters \(about ([\d,]+) tokens\) cut from the middle/.exec(piece.text);
    expect(marker).not.toBeNull();
    const cutCharacters = Number(marker![1]!.replaceAll(',', ''));
    const [head, tail] = piece.text.split(/\n\n\[….*…\]\n\n/);
    expect(head!.length + cutCharacters + tail!.length).toBe(text.length);
    // The cut falls on line boundaries: the head ends and the tail starts with whole lines.
    expect(text.startsWith(`${head}\n`)).toBe(true);
    expect(text.endsWith(`\n${tail}`)).toBe(true);
    expect(Number(marker![2]!.replaceAll(',', ''))).toBeGreaterThan(sourceTokens - 6000 - 200);
  });

  it('returns the text whole when it fits, and the marker alone when nothing else does', () => {
    expect(trimText('short', { targetTokens: 10, sourceTokens: 1, label: 'x', count })).toEqual({ text: 'short', tokens: 1 });
    const text = listing(5000);
    const piece = trimText(text, { targetTokens: 5, sourceTokens: count(text), label: 'the output of task a (b)', count });
    expect(piece.text).toMatch(/^\[… ensemble trimmed the output of task a \(b\): [\d,]+ characters/);
    expect(piece.text).not.toContain('FIRST LINE');
  });

  it('is deterministic', () => {
    const text = listing(60_000);
    const options = { targetTokens: 2000, sourceTokens: count(text), label: 'the output of task t (a)', count };
    expect(trimText(text, options)).toEqual(trimText(text, options));
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(20_000);
    const piece = trimText(text, { targetTokens: 500, sourceTokens: count(text), label: 'emoji', count });
    expect(piece.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(piece.text).toContain('😀');
  });
});

describe('fairShares', () => {
  it('keeps items under the fair share whole and splits the rest equally', () => {
    expect(fairShares([1000, 100_000], 12_000)).toEqual([1000, 11_000]);
    expect(fairShares([50_000, 100_000, 200], 10_200)).toEqual([5000, 5000, 200]);
    expect(fairShares([3000, 3000], 10_000)).toEqual([3000, 3000]);
    expect(fairShares([9000, 9000, 9000], 9000)).toEqual([3000, 3000, 3000]);
  });
});
