import { describe, expect, it } from 'vitest';
import { readMarkdownSection, replaceMarkdownSection } from './write-benchmarks-section.js';

const HEADING = '## Server load';
const FILE = ['# Benchmarks', '', 'Intro.', '', '## Scheduler', '', '| a |', '', HEADING, '', 'old figures', 'more old', '', '## Context', '', 'tail text', ''].join('\n');

describe('replaceMarkdownSection', () => {
  it('replaces only its section, up to the next ## heading, keeping every other byte', () => {
    const result = replaceMarkdownSection(FILE, HEADING, [HEADING, '', 'new figures', '']);
    expect(result).toBe(['# Benchmarks', '', 'Intro.', '', '## Scheduler', '', '| a |', '', HEADING, '', 'new figures', '', '## Context', '', 'tail text', ''].join('\n'));
  });

  it('replaces a last section up to the end of the file', () => {
    const file = ['# B', '', '## One', 'x', '', HEADING, 'old', 'older', ''].join('\n');
    expect(replaceMarkdownSection(file, HEADING, [HEADING, 'new'])).toBe(['# B', '', '## One', 'x', '', HEADING, 'new', ''].join('\n'));
  });

  it('appends the section after a blank line when the heading is absent', () => {
    const file = ['# B', '', '## One', 'x', '', ''].join('\n');
    expect(replaceMarkdownSection(file, HEADING, [HEADING, '', 'new', ''])).toBe(['# B', '', '## One', 'x', '', HEADING, '', 'new', ''].join('\n'));
    expect(replaceMarkdownSection('', HEADING, [HEADING, 'new'])).toBe(`${HEADING}\nnew\n`);
  });

  it('does not take a ### sub-heading or a longer heading for its own', () => {
    const file = ['# B', '', `${HEADING} extended`, 'keep', '', HEADING, 'old', '### sub', 'old too', '', '## Next', 'keep too', ''].join('\n');
    expect(replaceMarkdownSection(file, HEADING, [HEADING, 'new'])).toBe(['# B', '', `${HEADING} extended`, 'keep', '', HEADING, 'new', '', '## Next', 'keep too', ''].join('\n'));
  });

  it('is idempotent: writing the same section twice gives the same file', () => {
    const once = replaceMarkdownSection(FILE, HEADING, [HEADING, '', 'new', '']);
    expect(replaceMarkdownSection(once, HEADING, [HEADING, '', 'new', ''])).toBe(once);
  });

  it('refuses a section that does not start with its ## heading', () => {
    expect(() => replaceMarkdownSection(FILE, HEADING, ['other', 'x'])).toThrow(/first line/);
    expect(() => replaceMarkdownSection(FILE, '# Top', ['# Top'])).toThrow(/## /);
  });
});

describe('readMarkdownSection', () => {
  it('returns the section from its heading to the next ## heading, without trailing blank lines', () => {
    expect(readMarkdownSection(FILE, HEADING)).toEqual([HEADING, '', 'old figures', 'more old']);
    expect(readMarkdownSection(FILE, '## Context')).toEqual(['## Context', '', 'tail text']);
    expect(readMarkdownSection(FILE, '## Absent')).toBeUndefined();
  });

  it('gives back what replaceMarkdownSection wrote', () => {
    const section = [HEADING, '', '| a | b |', '|---|---|', '| 1 | 2 |'];
    expect(readMarkdownSection(replaceMarkdownSection(FILE, HEADING, section), HEADING)).toEqual(section);
  });
});
