import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEscapeFixture, toolContext } from '../../test/helpers/tool-workspace.js';
import { rejection } from '../../test/helpers/rejection.js';
import { MAX_READ_FILE_BYTES, readTool } from './read-tool.js';

let root: string;
let workspace: string;
let outside: string;

beforeAll(() => {
  ({ root, workspace, outside } = createEscapeFixture('ensemble-read-tool-test-'));
  mkdirSync(join(workspace, 'src'));
  symlinkSync(join(root, 'nowhere'), join(workspace, 'dangling'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const read = (input: unknown) => readTool.execute(readTool.inputSchema.parse(input), toolContext(workspace));

describe('Read tool', () => {
  it('is a read tool with Claude Code\'s name and a one-line summary', () => {
    expect(readTool.name).toBe('Read');
    expect(readTool.permission).toBe('read');
    expect(readTool.summarize({ file_path: 'src/app.ts' })).toBe('src/app.ts');
    expect(readTool.summarize({ file_path: 'src/app.ts', offset: 1, limit: 200 })).toBe('src/app.ts:1-200');
    expect(readTool.summarize({ file_path: 'src/app.ts', offset: 50 })).toBe('src/app.ts:50-');
    expect(readTool.summarize({ file_path: 'a\nb\u001b[31m' })).toBe('a?b?[31m');
    expect(readTool.summarize({ file_path: 'x'.repeat(300) })).toHaveLength(200);
  });

  it('numbers lines like cat -n: right-aligned, a tab, the line', async () => {
    writeFileSync(join(workspace, 'src', 'app.ts'), 'const a = 1;\n\tindented\n\nlast');
    const { output, files } = await read({ file_path: 'src/app.ts' });
    expect(output).toBe('     1\tconst a = 1;\n     2\t\tindented\n     3\t\n     4\tlast');
    expect(files).toBeUndefined();
    expect((await read({ file_path: join(workspace, 'src', 'app.ts') })).output).toBe(output);
  });

  it('reads a window with offset and limit, and says where to continue', async () => {
    writeFileSync(join(workspace, 'many.txt'), Array.from({ length: 30 }, (_, index) => `line ${index + 1}`).join('\n') + '\n');
    const { output } = await read({ file_path: 'many.txt', offset: 10, limit: 3 });
    expect(output).toBe('    10\tline 10\n    11\tline 11\n    12\tline 12\n(showing lines 10-12 of 30; continue with offset 13)');
    expect((await read({ file_path: 'many.txt', offset: 29 })).output).toBe('    29\tline 29\n    30\tline 30');
    expect((await read({ file_path: 'many.txt', offset: 0, limit: 1 })).output).toContain('     1\tline 1\n(showing lines 1-1 of 30');
    expect((await read({ file_path: 'many.txt', offset: 31 })).output).toBe('(many.txt has 30 lines; offset 31 is past its end)');
  });

  it('reads 2000 lines by default, cuts lines over 2000 characters, and shows CRLF files without the \\r', async () => {
    writeFileSync(join(workspace, 'long.txt'), Array.from({ length: 2500 }, (_, index) => `${index + 1}`).join('\n'));
    const { output } = await read({ file_path: 'long.txt' });
    expect(output.split('\n')).toHaveLength(2001);
    expect(output).toMatch(/ {2}2000\t2000\n\(showing lines 1-2000 of 2500; continue with offset 2001\)$/);
    writeFileSync(join(workspace, 'wide.txt'), `${'x'.repeat(2500)}\n`);
    expect((await read({ file_path: 'wide.txt' })).output).toBe(`     1\t${'x'.repeat(2000)}… [line cut: 2500 characters]`);
    writeFileSync(join(workspace, 'crlf.txt'), 'one\r\ntwo\r\n');
    expect((await read({ file_path: 'crlf.txt' })).output).toBe('     1\tone\n     2\ttwo');
  });

  it('caps one Read\'s output and says where to continue', async () => {
    writeFileSync(join(workspace, 'heavy.txt'), Array.from({ length: 1000 }, () => 'y'.repeat(1500)).join('\n'));
    const { output } = await read({ file_path: 'heavy.txt' });
    expect(output.length).toBeLessThan(101_000);
    expect(output).toMatch(/\(output cut at line (\d+) to stay under 100000 characters; continue with offset \d+\)$/);
  });

  it('says an empty file is empty, and a folder is a folder (suggesting Glob)', async () => {
    writeFileSync(join(workspace, 'empty.txt'), '');
    expect((await read({ file_path: 'empty.txt' })).output).toBe('(empty.txt is empty: 0 lines)');
    const folder = await rejection(read({ file_path: 'src' }));
    expect(folder.code).toBe('TOOL_REFUSED');
    expect(folder.message).toContain('is a folder');
    expect(folder.message).toContain('Glob');
  });

  it('refuses binary files, images and missing files with a message naming the path', async () => {
    writeFileSync(join(workspace, 'blob.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
    writeFileSync(join(workspace, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const binary = await rejection(read({ file_path: 'blob.bin' }));
    expect(binary).toMatchObject({ code: 'TOOL_REFUSED' });
    expect(binary.message).toContain('"blob.bin" is a binary file');
    expect((await rejection(read({ file_path: 'logo.png' }))).message).toContain('is a PNG image');
    expect((await rejection(read({ file_path: 'nope.ts' }))).message).toBe('"nope.ts" does not exist; find files with Glob');
  });

  it('refuses a FIFO instead of blocking on it', async () => {
    execFileSync('mkfifo', [join(workspace, 'pipe')]);
    expect((await rejection(read({ file_path: 'pipe' }))).message).toContain('not a regular file');
  });

  it('refuses a file over 10 MiB without offset/limit, and streams a window of it with them', async () => {
    const line = `${'z'.repeat(99)}\n`;
    writeFileSync(join(workspace, 'huge.log'), line.repeat(Math.ceil((MAX_READ_FILE_BYTES + 1) / line.length)));
    const refused = await rejection(read({ file_path: 'huge.log' }));
    expect(refused.message).toContain('over Read\'s 10 MB cap; read a part with offset and limit');
    const { output } = await read({ file_path: 'huge.log', offset: 100_000, limit: 2 });
    expect(output).toBe(`100000\t${'z'.repeat(99)}\n100001\t${'z'.repeat(99)}\n(showing lines 100000-100001; the file goes on: continue with offset 100002)`);
  });

  it('refuses every way out: .., an absolute path elsewhere, symbolic links out (file and folder), a dangling link, NUL', async () => {
    for (const file_path of ['../outside/secret.txt', join(outside, 'secret.txt'), 'link-file', 'link-dir/secret.txt', 'dangling', 'src/app.ts\0', '/etc/passwd']) {
      const failure = await rejection(read({ file_path }));
      expect(failure.code, file_path).toBe('TOOL_REFUSED');
      expect(failure.message).not.toContain('the secret');
    }
  });

  it('reads a file with a hostile name as just a name, running nothing', async () => {
    for (const name of ['$(touch pwned)', `a'b"c.txt`, 'new\nline.txt', '`touch pwned`']) {
      writeFileSync(join(workspace, name), 'hello\n');
      expect((await read({ file_path: name })).output).toBe('     1\thello');
    }
    expect(readdirSync(workspace)).not.toContain('pwned');
    expect(readdirSync(process.cwd())).not.toContain('pwned');
  });

  it('stops when the task is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('task cancelled'));
    await expect(readTool.execute({ file_path: 'src/app.ts' }, { workspaceDir: workspace, signal: controller.signal })).rejects.toThrow();
  });
});
