import { describe, expect, it } from 'vitest';
import { globsOverlap, matchesGlob } from './globs-overlap.js';

describe('matchesGlob', () => {
  it('matches globs as picomatch does, dotfiles included', () => {
    expect(matchesGlob('src/a/b.ts', 'src/**/*.ts')).toBe(true);
    expect(matchesGlob('src/a/.env', 'src/**')).toBe(true);
    expect(matchesGlob('src/a/b.js', 'src/**/*.ts')).toBe(false);
    expect(matchesGlob('lib/b.ts', 'src/**')).toBe(false);
    expect(matchesGlob('a/b.ts', '*.ts')).toBe(false);
  });

  it('treats a literal as the file or folder it names: itself and everything under it', () => {
    expect(matchesGlob('src/a.ts', 'src/a.ts')).toBe(true);
    expect(matchesGlob('src/a.tsx', 'src/a.ts')).toBe(false);
    expect(matchesGlob('src/a/b.ts', 'src')).toBe(true);
    expect(matchesGlob('src/a/b.ts', 'src/')).toBe(true);
    expect(matchesGlob('srcs/b.ts', 'src')).toBe(false);
    expect(matchesGlob('./src/a.ts', './src/a.ts')).toBe(true);
  });
});

describe('globsOverlap', () => {
  const cases: readonly (readonly [string, string, boolean])[] = [
    // Literals: equal, or one is a folder of the other.
    ['src/a.ts', 'src/a.ts', true],
    ['src/a.ts', 'src/b.ts', false],
    ['src', 'src/a.ts', true],
    ['src/', 'src/a/b.ts', true],
    ['src', 'srcs/a.ts', false],
    // A literal against a glob is tested directly, including the paths under a literal folder.
    ['src/a.ts', 'src/**/*.ts', true],
    ['src/a.ts', 'src/*.js', false],
    ['src/a.ts', 'lib/**', false],
    ['Makefile', '*.md', false],
    ['README.md', '*.md', true],
    ['src/a', 'src/*/x.ts', true],
    ['src/a', 'src/**/*.ts', true],
    ['src/a', 'lib/*/x.ts', false],
    ['src', 'src/deep/**', true],
    ['docs', '**/*.md', true],
    // Globs: conservative on their literal bases.
    ['src/**', 'src/a/*.ts', true],
    ['src/*.ts', 'src/*.js', true],
    ['src/a/**', 'src/b/**', false],
    ['src/**', 'lib/**', false],
    ['**/*.md', 'src/**', true],
    ['src/', 'src/**/*.ts', true],
    // Braces and negations can span folders: only their bases count, and a negation relates to all.
    ['{src,lib}/**', 'lib/a.ts', true],
    ['!src/**', 'lib/a.ts', true],
  ];

  it.each(cases)('%s and %s overlap: %s', (left, right, expected) => {
    expect(globsOverlap(left, right)).toBe(expected);
    expect(globsOverlap(right, left)).toBe(expected);
  });
});
