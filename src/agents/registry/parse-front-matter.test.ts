import { describe, expect, it } from 'vitest';
import { hasFrontMatter, parseFrontMatter } from './parse-front-matter.js';

describe('parseFrontMatter', () => {
  it('splits the front matter from the body', () => {
    expect(parseFrontMatter('---\nname: a\ntools: [Read]\n---\nBody\n')).toEqual({ ok: true, data: { name: 'a', tools: ['Read'] }, body: 'Body\n' });
    expect(parseFrontMatter('---\n---\n')).toEqual({ ok: true, data: {}, body: '' });
  });

  it('falls back to reading key: value lines when strict YAML rejects them', () => {
    const result = parseFrontMatter(
      [
        '---',
        'name: helper',
        'description: Use when asked. Examples: <example>Context: a user: "hi"</example>',
        'tools:',
        '  - Read',
        '  - Grep',
        'notes: |',
        '  first: line',
        '  second line',
        'timeoutMs: 5000',
        '---',
        'Body',
      ].join('\n'),
    );
    expect(result).toEqual({
      ok: true,
      body: 'Body',
      data: {
        name: 'helper',
        description: 'Use when asked. Examples: <example>Context: a user: "hi"</example>',
        tools: ['Read', 'Grep'],
        notes: 'first: line\nsecond line',
        timeoutMs: 5000,
      },
    });
  });

  it('tells files without front matter from broken front matter', () => {
    expect(hasFrontMatter('# Title\n')).toBe(false);
    expect(hasFrontMatter('---\nname: x\n')).toBe(true);
    expect(parseFrontMatter('# Title\n')).toMatchObject({ ok: false, hasFrontMatter: false });
    expect(parseFrontMatter('---\nname: x\n')).toMatchObject({ ok: false, hasFrontMatter: true });
  });
});
