import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInside, resolveWorkspacePath, toDisplay } from './workspace-path.js';

let root: string;
let workspace: string;
let outside: string;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-workspace-path-test-')));
  workspace = join(root, 'workspace');
  outside = join(root, 'outside');
  mkdirSync(join(workspace, 'src', 'sub', '.git'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(workspace, 'src', 'app.ts'), 'app\n');
  writeFileSync(join(outside, 'secret.txt'), 'secret\n');
  symlinkSync(join(outside, 'secret.txt'), join(workspace, 'link-file'));
  symlinkSync(outside, join(workspace, 'link-dir'));
  symlinkSync(join(workspace, 'src'), join(workspace, 'inner-link'));
  symlinkSync(join(root, 'missing-target'), join(workspace, 'dangling'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function refusalOf(requested: string, intent: 'read' | 'write' = 'read'): Promise<{ code: string; message: string }> {
  try {
    await resolveWorkspacePath(workspace, requested, intent);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error(`expected ${JSON.stringify(requested)} to be refused`);
}

describe('resolveWorkspacePath', () => {
  it('resolves relative and absolute paths inside the workspace, naming them relative to it', async () => {
    expect(await resolveWorkspacePath(workspace, 'src/app.ts', 'read')).toEqual({ realPath: join(workspace, 'src', 'app.ts'), display: 'src/app.ts' });
    expect(await resolveWorkspacePath(workspace, join(workspace, 'src', 'app.ts'), 'read')).toEqual({ realPath: join(workspace, 'src', 'app.ts'), display: 'src/app.ts' });
    expect(await resolveWorkspacePath(workspace, '.', 'read')).toEqual({ realPath: workspace, display: '.' });
    expect((await resolveWorkspacePath(workspace, 'src/../src/./app.ts', 'read')).display).toBe('src/app.ts');
  });

  it('resolves a path not there yet, in folders not there yet, for writing', async () => {
    expect(await resolveWorkspacePath(workspace, 'new/deep/file.ts', 'write')).toEqual({ realPath: join(workspace, 'new', 'deep', 'file.ts'), display: 'new/deep/file.ts' });
  });

  it('follows a symbolic link that stays inside, and names the file where it really is', async () => {
    expect(await resolveWorkspacePath(workspace, 'inner-link/app.ts', 'read')).toEqual({ realPath: join(workspace, 'src', 'app.ts'), display: 'src/app.ts' });
  });

  it('refuses .. and absolute paths leading out, naming the path', async () => {
    const climbing = await refusalOf('../outside/secret.txt');
    expect(climbing.code).toBe('TOOL_REFUSED');
    expect(climbing.message).toContain('"../outside/secret.txt" is outside the workspace');
    expect((await refusalOf(join(outside, 'secret.txt'))).code).toBe('TOOL_REFUSED');
    expect((await refusalOf('/etc/passwd')).code).toBe('TOOL_REFUSED');
    expect((await refusalOf('src/../../outside/secret.txt', 'write')).code).toBe('TOOL_REFUSED');
  });

  it('refuses symbolic links pointing out, to a file or a folder, and paths through them', async () => {
    expect((await refusalOf('link-file')).message).toContain('through a symbolic link');
    expect((await refusalOf('link-dir')).message).toContain('through a symbolic link');
    expect((await refusalOf('link-dir/secret.txt')).message).toContain('through a symbolic link');
    expect((await refusalOf('link-dir/new.txt', 'write')).message).toContain('through a symbolic link');
  });

  it('reads link/.. lexically, as the tools open the resolved path, so a link cannot lead .. out', async () => {
    // The kernel would go link-dir → outside → .. → root; the resolved path stays in the workspace.
    expect(await resolveWorkspacePath(workspace, 'link-dir/../outside/secret.txt', 'write')).toEqual({ realPath: join(workspace, 'outside', 'secret.txt'), display: 'outside/secret.txt' });
  });

  it('refuses a dangling symbolic link, which a write would follow to wherever it points', async () => {
    expect((await refusalOf('dangling', 'write')).message).toContain('symbolic link to a missing target');
    expect((await refusalOf('dangling/below', 'write')).message).toContain('symbolic link to a missing target');
  });

  it('refuses a NUL byte', async () => {
    expect((await refusalOf('src/app.ts\0.png')).message).toContain('NUL byte');
  });

  it('refuses writes into any .git folder, not reads', async () => {
    expect((await refusalOf('.git/config', 'write')).message).toContain('.git folder');
    expect((await refusalOf('src/sub/.git/hooks/pre-commit', 'write')).message).toContain('.git folder');
    expect((await refusalOf('.git', 'write')).code).toBe('TOOL_REFUSED');
    expect((await resolveWorkspacePath(workspace, 'src/sub/.git', 'read')).display).toBe('src/sub/.git');
    expect((await resolveWorkspacePath(workspace, '.gitignore', 'write')).display).toBe('.gitignore');
  });

  it('treats hostile names as names', async () => {
    for (const name of ['$(touch pwned)', `it's "quoted"`, 'new\nline', '; rm -rf ~']) {
      expect((await resolveWorkspacePath(workspace, name, 'write')).display).toBe(name);
    }
  });
});

describe('isInside and toDisplay', () => {
  it('tell a sibling with a shared prefix from a child', () => {
    expect(isInside('/a/work', '/a/work/x')).toBe(true);
    expect(isInside('/a/work', '/a/work')).toBe(true);
    expect(isInside('/a/work', '/a/workshop/x')).toBe(false);
    expect(isInside('/a/work', '/a')).toBe(false);
    expect(toDisplay('/a/work', '/a/work/src/x.ts')).toBe('src/x.ts');
    expect(toDisplay('/a/work', '/a/work')).toBe('.');
  });
});
