import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../test/helpers/rejection.js';
import { globTool, MAX_GLOB_RESULTS } from './glob-tool.js';
import type { ToolContext } from './workspace-tool.js';

let root: string;
let workspace: string;
let outside: string;

/** Writes `name` in the workspace with a modification time `ageSeconds` in the past. */
function file(name: string, ageSeconds: number): void {
  const path = join(workspace, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${name}\n`);
  const at = new Date(Date.now() - ageSeconds * 1000);
  utimesSync(path, at, at);
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-glob-tool-test-')));
  workspace = join(root, 'workspace');
  outside = join(root, 'outside');
  mkdirSync(workspace);
  mkdirSync(join(outside, 'deep'), { recursive: true });
  writeFileSync(join(outside, 'secret.ts'), 'secret\n');
  writeFileSync(join(outside, 'deep', 'secret.ts'), 'secret\n');
  file('src/old.ts', 300);
  file('src/new.ts', 10);
  file('src/view.tsx', 100);
  file('src/nested/deep.ts', 200);
  file('README.md', 50);
  file('.github/workflows/ci.yml', 60);
  file('.git/objects/packed.ts', 1);
  file('node_modules/dep/index.ts', 1);
  file('sub/node_modules/dep/index.ts', 1);
  symlinkSync(join(outside, 'secret.ts'), join(workspace, 'src', 'link-out.ts'));
  symlinkSync(outside, join(workspace, 'src', 'dir-out'));
  symlinkSync(join(workspace, 'src', 'old.ts'), join(workspace, 'src', 'link-in.ts'));
  symlinkSync(join(root, 'missing.ts'), join(workspace, 'src', 'dangling.ts'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const context = (): ToolContext => ({ workspaceDir: workspace, signal: new AbortController().signal });
const glob = async (input: unknown) => (await globTool.execute(globTool.inputSchema.parse(input), context())).output;

describe('Glob tool', () => {
  it('is a read tool with Claude Code\'s name and a one-line summary', () => {
    expect(globTool.name).toBe('Glob');
    expect(globTool.permission).toBe('read');
    expect(globTool.summarize({ pattern: '**/*.ts' })).toBe('**/*.ts');
    expect(globTool.summarize({ pattern: '*.ts', path: 'src' })).toBe('*.ts in src');
  });

  it('lists matching files newest first, relative to the workspace, skipping .git and node_modules', async () => {
    // link-in.ts is a link to old.ts inside the workspace: it counts, with old.ts's age.
    expect(await glob({ pattern: '**/*.ts' })).toBe(['src/new.ts', 'src/nested/deep.ts', 'src/link-in.ts', 'src/old.ts'].join('\n'));
    expect(await glob({ pattern: 'src/*.{ts,tsx}' })).toBe(['src/new.ts', 'src/view.tsx', 'src/link-in.ts', 'src/old.ts'].join('\n'));
    expect(await glob({ pattern: '**/*.yml' })).toBe('.github/workflows/ci.yml');
    expect(await glob({ pattern: 'README.md' })).toBe('README.md');
  });

  it('takes the pattern relative to path, still naming files relative to the workspace', async () => {
    expect(await glob({ pattern: '*.ts', path: 'src/nested' })).toBe('src/nested/deep.ts');
    expect(await glob({ pattern: '**/*.ts', path: join(workspace, 'src', 'nested') })).toBe('src/nested/deep.ts');
    expect(await glob({ pattern: './src/nested/*.ts' })).toBe('src/nested/deep.ts');
    expect(await glob({ pattern: join(workspace, 'src', 'nested', '*.ts') })).toBe('src/nested/deep.ts');
  });

  it('lists files, not folders, and says when nothing matches', async () => {
    expect(await glob({ pattern: 'src' })).toBe('No files match "src"');
    expect(await glob({ pattern: 'nothere/**/*.ts' })).toBe('No files match "nothere/**/*.ts"');
    expect(await glob({ pattern: '*.py', path: 'src' })).toBe('No files match "*.py" in "src"');
  });

  it('never lists anything outside: links out (file and folder) and dangling links are left out, escapes refused', async () => {
    const everything = await glob({ pattern: '**' });
    expect(everything).not.toContain('secret');
    expect(everything).not.toContain('link-out');
    expect(everything).not.toContain('dangling');
    expect(everything).not.toContain('node_modules');
    expect(everything).not.toContain('.git/');
    for (const input of [{ pattern: '../outside/*.ts' }, { pattern: '**/*.ts', path: '..' }, { pattern: '*.ts', path: 'src/dir-out' }, { pattern: 'src/dir-out/**' }, { pattern: join(outside, '*.ts') }]) {
      expect((await rejection(glob(input))).code, JSON.stringify(input)).toBe('TOOL_REFUSED');
    }
    expect((await rejection(glob({ pattern: '*.ts', path: 'src/old.ts' }))).message).toContain('is a file, not a folder');
  });

  it(`caps the list at ${MAX_GLOB_RESULTS}, saying so`, async () => {
    mkdirSync(join(workspace, 'bulk'));
    for (let index = 0; index < MAX_GLOB_RESULTS + 5; index += 1) writeFileSync(join(workspace, 'bulk', `f${index}.txt`), '');
    const lines = (await glob({ pattern: 'bulk/*.txt' })).split('\n');
    expect(lines).toHaveLength(MAX_GLOB_RESULTS + 1);
    expect(lines.at(-1)).toBe(`(showing the ${MAX_GLOB_RESULTS} newest of ${MAX_GLOB_RESULTS + 5} files; use a narrower pattern or path)`);
    rmSync(join(workspace, 'bulk'), { recursive: true });
  });

  it('lists hostile file names as names', async () => {
    mkdirSync(join(workspace, 'odd'));
    for (const name of ['$(touch pwned).ts', `a'b"c.ts`, 'new\nline.ts']) writeFileSync(join(workspace, 'odd', name), '');
    const output = await glob({ pattern: 'odd/*.ts' });
    expect(output).toContain('odd/$(touch pwned).ts');
    expect(output).toContain(`odd/a'b"c.ts`);
    expect(output).toContain('odd/new\nline.ts');
    expect(readdirSync(workspace)).not.toContain('pwned');
  });
});
