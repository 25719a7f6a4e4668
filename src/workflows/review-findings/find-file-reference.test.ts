import { describe, expect, it } from 'vitest';
import { findFileReference, findFileReferences } from './find-file-reference.js';

const cited = (text: string) => findFileReferences(text).map(({ file, line, endLine }) => ({ file, line, endLine }));

describe('findFileReferences', () => {
  it('reads the ways reviewers cite a file and its lines', () => {
    expect(cited('see src/a.ts:42, `b.ts:3-7`, c.py line 9, d.go (lines 4–6), e/f.rb#L10-L12, g.ts:5:17, h.ts L8')).toEqual([
      { file: 'src/a.ts', line: 42, endLine: undefined },
      { file: 'b.ts', line: 3, endLine: 7 },
      { file: 'c.py', line: 9, endLine: undefined },
      { file: 'd.go', line: 4, endLine: 6 },
      { file: 'e/f.rb', line: 10, endLine: 12 },
      { file: 'g.ts', line: 5, endLine: undefined },
      { file: 'h.ts', line: 8, endLine: undefined },
    ]);
    expect(cited('in `./src/app.ts`, Line 3 and in `README.md`')).toEqual([
      { file: 'src/app.ts', line: 3, endLine: undefined },
      { file: 'README.md', line: undefined, endLine: undefined },
    ]);
  });

  it('does not take prose, versions or URLs for files', () => {
    expect(cited('Node.js and e.g. v1.2.3 or 3.14; https://example.com/a/b.js is a link. End of sentence.')).toEqual([]);
  });

  it('prefers a reference with a line for the finding', () => {
    expect(findFileReference('Moves code from src/old.ts into src/new.ts:10')).toMatchObject({ file: 'src/new.ts', line: 10 });
    expect(findFileReference('nothing cited here')).toBeUndefined();
  });
});
