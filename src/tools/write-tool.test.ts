import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEscapeFixture, toolContext } from '../../test/helpers/tool-workspace.js';
import { rejection } from '../../test/helpers/rejection.js';
import { writeTool } from './write-tool.js';

let root: string;
let workspace: string;
let outside: string;

beforeAll(() => {
  ({ root, workspace, outside } = createEscapeFixture('ensemble-write-tool-test-'));
  mkdirSync(join(workspace, '.git'));
  mkdirSync(join(workspace, 'sub', '.git'), { recursive: true });
  writeFileSync(join(workspace, '.git', 'config'), '[core]\n');
  symlinkSync(join(root, 'created-by-link'), join(workspace, 'dangling'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const write = (input: unknown) => writeTool.execute(writeTool.inputSchema.parse(input), toolContext(workspace));

describe('Write tool', () => {
  it('is an edit tool with Claude Code\'s name and a one-line summary with the size', () => {
    expect(writeTool.name).toBe('Write');
    expect(writeTool.permission).toBe('edit');
    expect(writeTool.summarize({ file_path: 'src/app.ts', content: 'x'.repeat(3000) })).toBe('src/app.ts (2.9 KB)');
  });

  it('creates a file and its folders, naming it and its size, and lists it in files', async () => {
    const result = await write({ file_path: 'src/deep/new.ts', content: 'export const a = 1;\nexport const b = 2;\n' });
    expect(result).toEqual({ output: 'Created src/deep/new.ts (40 B, 2 lines)', files: ['src/deep/new.ts'] });
    expect(readFileSync(join(workspace, 'src', 'deep', 'new.ts'), 'utf8')).toBe('export const a = 1;\nexport const b = 2;\n');
  });

  it('overwrites an existing file whole, keeping its mode', async () => {
    writeFileSync(join(workspace, 'run.sh'), 'echo old\n');
    chmodSync(join(workspace, 'run.sh'), 0o755);
    const result = await write({ file_path: join(workspace, 'run.sh'), content: 'echo new' });
    expect(result).toEqual({ output: 'Overwrote run.sh (8 B, 1 lines)', files: ['run.sh'] });
    expect(readFileSync(join(workspace, 'run.sh'), 'utf8')).toBe('echo new');
    expect(statSync(join(workspace, 'run.sh')).mode & 0o777).toBe(0o755);
  });

  it('refuses to write over a folder', async () => {
    mkdirSync(join(workspace, 'folder'));
    expect((await rejection(write({ file_path: 'folder', content: 'x' }))).message).toContain('is a folder');
  });

  it('refuses every way out and into .git, changing nothing outside', async () => {
    const attempts = ['../outside/new.txt', join(outside, 'new.txt'), 'link-file', 'link-dir/new.txt', 'dangling', '.git/config', '.git/hooks/pre-commit', 'sub/.git/x', '.git', 'a\0b'];
    for (const file_path of attempts) {
      const failure = await rejection(write({ file_path, content: 'overwritten' }));
      expect(failure.code, file_path).toBe('TOOL_REFUSED');
    }
    expect(readdirSync(outside)).toEqual(['secret.txt']);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('the secret\n');
    expect(existsSync(join(root, 'created-by-link'))).toBe(false);
    expect(readFileSync(join(workspace, '.git', 'config'), 'utf8')).toBe('[core]\n');
    expect(readdirSync(join(workspace, '.git'))).toEqual(['config']);
    expect(readdirSync(join(workspace, 'sub', '.git'))).toEqual([]);
  });

  it('writes a file with a hostile name as just a name, running nothing', async () => {
    for (const name of ['$(touch pwned)', `a'b"c.txt`, 'new\nline.txt', '; touch pwned']) {
      const result = await write({ file_path: name, content: '$(touch pwned)' });
      expect(result.files).toEqual([name]);
      expect(readFileSync(join(workspace, name), 'utf8')).toBe('$(touch pwned)');
    }
    expect(readdirSync(workspace)).not.toContain('pwned');
  });
});
