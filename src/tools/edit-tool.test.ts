import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEscapeFixture, toolContext } from '../../test/helpers/tool-workspace.js';
import { rejection } from '../../test/helpers/rejection.js';
import { editTool } from './edit-tool.js';

let root: string;
let workspace: string;
let outside: string;

beforeAll(() => {
  ({ root, workspace, outside } = createEscapeFixture('ensemble-edit-tool-test-'));
  mkdirSync(join(workspace, '.git'));
  writeFileSync(join(workspace, '.git', 'HEAD'), 'ref: refs/heads/main\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const edit = (input: unknown) => editTool.execute(editTool.inputSchema.parse(input), toolContext(workspace));
const contentOf = (name: string) => readFileSync(join(workspace, name), 'utf8');

describe('Edit tool', () => {
  it('is an edit tool with Claude Code\'s name and a one-line summary', () => {
    expect(editTool.name).toBe('Edit');
    expect(editTool.permission).toBe('edit');
    expect(editTool.summarize({ file_path: 'src/app.ts', old_string: 'a', new_string: 'b' })).toBe('src/app.ts');
    expect(editTool.summarize({ file_path: 'src/app.ts', old_string: 'a', new_string: 'b', replace_all: true })).toBe('src/app.ts (replace all)');
  });

  it('replaces text that occurs once, shows the result with line numbers, and lists the file', async () => {
    writeFileSync(join(workspace, 'app.ts'), 'export function add(a, b) {\n  return a - b;\n}\n');
    const result = await edit({ file_path: 'app.ts', old_string: 'return a - b;', new_string: 'return a + b;' });
    expect(contentOf('app.ts')).toBe('export function add(a, b) {\n  return a + b;\n}\n');
    expect(result.files).toEqual(['app.ts']);
    expect(result.output).toBe('Edited app.ts: replaced 1 occurrence. The file around the change now reads:\n     1\texport function add(a, b) {\n     2\t  return a + b;\n     3\t}');
  });

  it('inserts new_string literally: $& and $1 are not replacement patterns', async () => {
    writeFileSync(join(workspace, 'price.txt'), 'price: X\n');
    await edit({ file_path: 'price.txt', old_string: 'X', new_string: '$& $1 $$ $`' });
    expect(contentOf('price.txt')).toBe('price: $& $1 $$ $`\n');
  });

  it('refuses text that occurs more than once, saying how many times, unless replace_all', async () => {
    writeFileSync(join(workspace, 'many.ts'), 'let x = 1;\nlet x = 1;\nlet x = 1;\n');
    const failure = await rejection(edit({ file_path: 'many.ts', old_string: 'let x = 1;', new_string: 'let y = 2;' }));
    expect(failure.code).toBe('TOOL_REFUSED');
    expect(failure.message).toContain('occurs 3 times');
    expect(failure.message).toContain('more surrounding lines');
    expect(failure.message).toContain('replace_all');
    expect(contentOf('many.ts')).toBe('let x = 1;\nlet x = 1;\nlet x = 1;\n');
    const result = await edit({ file_path: 'many.ts', old_string: 'let x = 1;', new_string: 'let y = 2;', replace_all: true });
    expect(result.output).toContain('replaced 3 occurrences');
    expect(contentOf('many.ts')).toBe('let y = 2;\nlet y = 2;\nlet y = 2;\n');
  });

  it('refuses text that is not there, and an edit that changes nothing', async () => {
    writeFileSync(join(workspace, 'same.ts'), 'abc\n');
    expect((await rejection(edit({ file_path: 'same.ts', old_string: 'xyz', new_string: 'q' }))).message).toContain('old_string was not found');
    expect((await rejection(edit({ file_path: 'same.ts', old_string: 'abc', new_string: 'abc' }))).message).toContain('are the same');
    expect(contentOf('same.ts')).toBe('abc\n');
  });

  it('creates a missing file from an empty old_string, and refuses other edits of a missing file', async () => {
    const created = await edit({ file_path: 'fresh/new.md', old_string: '', new_string: '# Title\n' });
    expect(created).toEqual({ output: 'Created fresh/new.md (8 B)', files: ['fresh/new.md'] });
    expect(contentOf('fresh/new.md')).toBe('# Title\n');
    expect((await rejection(edit({ file_path: 'fresh/new.md', old_string: '', new_string: 'x' }))).message).toContain('already exists and is not empty');
    expect((await rejection(edit({ file_path: 'missing.ts', old_string: 'a', new_string: 'b' }))).message).toContain('does not exist');
  });

  it('keeps CRLF line endings, matching LF text from a Read', async () => {
    writeFileSync(join(workspace, 'windows.txt'), 'one\r\ntwo\r\nthree\r\n');
    await edit({ file_path: 'windows.txt', old_string: 'one\ntwo', new_string: 'uno\ndos\nmas' });
    expect(contentOf('windows.txt')).toBe('uno\r\ndos\r\nmas\r\nthree\r\n');
  });

  it('refuses binary and non-UTF-8 files rather than corrupting them', async () => {
    writeFileSync(join(workspace, 'blob.bin'), Buffer.from([0x61, 0x00, 0x62]));
    writeFileSync(join(workspace, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expect((await rejection(edit({ file_path: 'blob.bin', old_string: 'a', new_string: 'c' }))).message).toContain('binary');
    expect((await rejection(edit({ file_path: 'latin1.txt', old_string: 'caf', new_string: 'bar' }))).message).toContain('not valid UTF-8');
    expect(readFileSync(join(workspace, 'latin1.txt'))).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  });

  it('refuses every way out and into .git, changing nothing outside', async () => {
    for (const file_path of ['../outside/secret.txt', join(outside, 'secret.txt'), 'link-file', 'link-dir/secret.txt', '.git/HEAD']) {
      const failure = await rejection(edit({ file_path, old_string: 'the secret', new_string: 'changed' }));
      expect(failure.code, file_path).toBe('TOOL_REFUSED');
    }
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('the secret\n');
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readFileSync(join(workspace, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
  });

  it('edits a file with a hostile name as just a name', async () => {
    writeFileSync(join(workspace, '$(touch pwned)\n"x"'), 'a\n');
    await edit({ file_path: '$(touch pwned)\n"x"', old_string: 'a', new_string: '`touch pwned`' });
    expect(contentOf('$(touch pwned)\n"x"')).toBe('`touch pwned`\n');
    expect(readdirSync(workspace)).not.toContain('pwned');
  });
});
