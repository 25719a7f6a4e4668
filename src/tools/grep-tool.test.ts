import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../test/helpers/rejection.js';
import { grepTool, MAX_GREP_FILE_BYTES } from './grep-tool.js';
import type { ToolContext } from './workspace-tool.js';

let root: string;
let workspace: string;
let outside: string;

/** Writes `name` in the workspace with a modification time `ageSeconds` in the past. */
function file(name: string, content: string | Buffer, ageSeconds = 100): void {
  const path = join(workspace, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  const at = new Date(Date.now() - ageSeconds * 1000);
  utimesSync(path, at, at);
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-grep-tool-test-')));
  workspace = join(root, 'workspace');
  outside = join(root, 'outside');
  mkdirSync(workspace);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.ts'), '// TODO secret outside\n');
  file('src/app.ts', 'import x from "y";\n// TODO: wire the app\nexport const app = 1;\n', 300);
  file('src/util.ts', 'export function helper() {}\n// todo lower case\n', 10);
  file('src/view.tsx', 'const a = 1;\nconst b = 2;\n// TODO view\nconst c = 3;\nconst d = 4;\nconst e = 5;\n// TODO again\n', 200);
  file('lib/tool.py', 'def run():\n    pass  # TODO python\n', 50);
  file('README.md', '# TODO readme\n', 60);
  file('dist/bundle.js', '// TODO built output\n');
  file('logs/run.log', 'TODO in a log\n');
  file('sub/.gitignore', 'generated.ts\n!keep.log\n');
  file('sub/generated.ts', '// TODO generated\n');
  file('sub/keep.log', 'TODO kept by negation\n');
  file('.gitignore', 'dist/\n*.log\n');
  file('.git/config', 'TODO in git\n');
  file('node_modules/dep/index.js', '// TODO dependency\n');
  file('image.bin', Buffer.from('TODO\0binary'));
  symlinkSync(join(outside, 'secret.ts'), join(workspace, 'src', 'link-out.ts'));
  symlinkSync(outside, join(workspace, 'dir-out'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const context = (): ToolContext => ({ workspaceDir: workspace, signal: new AbortController().signal });
const grep = async (input: unknown) => (await grepTool.execute(grepTool.inputSchema.parse(input), context())).output;

describe('Grep tool', () => {
  it('is a read tool with Claude Code\'s name and a one-line summary', () => {
    expect(grepTool.name).toBe('Grep');
    expect(grepTool.permission).toBe('read');
    expect(grepTool.summarize({ pattern: 'TODO', path: 'src', output_mode: 'content' })).toBe('/TODO/ in src (content)');
    expect(grepTool.summarize({ pattern: 'todo', '-i': true, glob: '*.ts' })).toBe('/todo/i [*.ts]');
    expect(grepTool.summarize({ pattern: 'a\nb', type: 'py' })).toBe('/a?b/ [type py]');
  });

  it('lists files with matches newest first, skipping .git, node_modules, .gitignored, binary files and links out', async () => {
    expect(await grep({ pattern: 'TODO' })).toBe(['Found 5 files', 'lib/tool.py', 'README.md', 'sub/keep.log', 'src/view.tsx', 'src/app.ts'].join('\n'));
  });

  it('is case-insensitive with -i, and filters by glob and type', async () => {
    expect(await grep({ pattern: 'todo', '-i': true, glob: '*.ts' })).toBe('Found 2 files\nsrc/util.ts\nsrc/app.ts');
    expect(await grep({ pattern: 'TODO', glob: 'src/**/*.{ts,tsx}' })).toBe('Found 2 files\nsrc/view.tsx\nsrc/app.ts');
    expect(await grep({ pattern: 'TODO', type: 'py' })).toBe('Found 1 file\nlib/tool.py');
    expect(await grep({ pattern: 'TODO', path: 'src', type: 'ts' })).toBe('Found 2 files\nsrc/view.tsx\nsrc/app.ts');
    expect((await rejection(grep({ pattern: 'TODO', type: 'cobol' }))).message).toContain('type "cobol" is not a known file type');
  });

  it('shows matching lines with numbers in content mode, and context with -A/-B/-C like ripgrep', async () => {
    expect(await grep({ pattern: 'TODO', path: 'src/app.ts', output_mode: 'content' })).toBe('src/app.ts:2:// TODO: wire the app');
    expect(await grep({ pattern: 'TODO', path: 'src/app.ts', output_mode: 'content', '-n': false })).toBe('src/app.ts:// TODO: wire the app');
    expect(await grep({ pattern: 'TODO', path: 'src/view.tsx', output_mode: 'content', '-C': 1 })).toBe([
      'src/view.tsx-2-const b = 2;',
      'src/view.tsx:3:// TODO view',
      'src/view.tsx-4-const c = 3;',
      '--',
      'src/view.tsx-6-const e = 5;',
      'src/view.tsx:7:// TODO again',
    ].join('\n'));
    expect(await grep({ pattern: 'TODO', path: 'src/view.tsx', output_mode: 'content', '-B': 0, '-A': 3 })).toBe([
      'src/view.tsx:3:// TODO view',
      'src/view.tsx-4-const c = 3;',
      'src/view.tsx-5-const d = 4;',
      'src/view.tsx-6-const e = 5;',
      'src/view.tsx:7:// TODO again',
    ].join('\n'));
  });

  it('counts matching lines per file in count mode', async () => {
    expect(await grep({ pattern: 'TODO', path: 'src', output_mode: 'count' })).toBe('Found 3 matching lines in 2 files\nsrc/app.ts:1\nsrc/view.tsx:2');
  });

  it('matches across lines with multiline', async () => {
    expect(await grep({ pattern: 'a = 1;\\nconst b', path: 'src', output_mode: 'content' })).toBe('No matches for /a = 1;\\nconst b/ in src\n(lines are searched one at a time: set multiline to match across lines)');
    expect(await grep({ pattern: 'a = 1;\\nconst b', path: 'src', output_mode: 'content', multiline: true })).toBe('src/view.tsx:1:const a = 1;\nsrc/view.tsx:2:const b = 2;');
    expect(await grep({ pattern: 'helper.*lower', multiline: true })).toBe('Found 1 file\nsrc/util.ts');
  });

  it('pages with head_limit and offset, saying how to continue', async () => {
    expect(await grep({ pattern: 'TODO', head_limit: 2 })).toBe('Found 5 files\nlib/tool.py\nREADME.md\n(showing entries 1-2 of 5; continue with offset 2, or narrow the pattern, path, glob or type)');
    expect(await grep({ pattern: 'TODO', head_limit: 2, offset: 4 })).toBe('Found 5 files\nsrc/app.ts');
    const content = await grep({ pattern: 'const', path: 'src/view.tsx', output_mode: 'content', head_limit: 2 });
    expect(content).toBe('src/view.tsx:1:const a = 1;\nsrc/view.tsx:2:const b = 2;\n(showing entries 1-2 of 5; continue with offset 2, or narrow the pattern, path, glob or type)');
  });

  it('stops searching once a content page is full, saying more follow', async () => {
    expect(await grep({ pattern: 'TODO', output_mode: 'content', head_limit: 1 })).toBe('README.md:1:# TODO readme\n(showing entries 1-1, more follow; continue with offset 1, or narrow the pattern, path, glob or type)');
  });

  it('stops when the task is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('task cancelled'));
    await expect(grepTool.execute({ pattern: 'TODO' }, { workspaceDir: workspace, signal: controller.signal })).rejects.toThrow('task cancelled');
  });

  it('refuses an invalid regular expression, naming it', async () => {
    const failure = await rejection(grep({ pattern: 'foo(' }));
    expect(failure.code).toBe('TOOL_REFUSED');
    expect(failure.message).toContain('pattern "foo(" is not a valid regular expression');
  });

  it('skips files over the size cap, saying so', async () => {
    file('big/huge.txt', `TODO\n${'x'.repeat(MAX_GREP_FILE_BYTES)}`);
    expect(await grep({ pattern: 'TODO', path: 'big' })).toBe('No matches for /TODO/ in big\n(1 file over 10 MB skipped)');
    rmSync(join(workspace, 'big'), { recursive: true });
  });

  it('never reads outside: escapes refused, links out skipped', async () => {
    expect(await grep({ pattern: 'secret' })).toBe('No matches for /secret/ in .');
    for (const path of ['..', '../outside', join(outside, 'secret.ts'), 'src/link-out.ts', 'dir-out', 'dir-out/secret.ts']) {
      expect((await rejection(grep({ pattern: 'secret', path }))).code, path).toBe('TOOL_REFUSED');
    }
  });

  it('searches hostile file names as names', async () => {
    file('odd/$(touch pwned).ts', 'NEEDLE\n');
    file(`odd/a'b"c.ts`, 'NEEDLE\n');
    expect(await grep({ pattern: 'NEEDLE', path: 'odd', output_mode: 'count' })).toBe(`Found 2 matching lines in 2 files\nodd/$(touch pwned).ts:1\nodd/a'b"c.ts:1`);
    expect(readdirSync(workspace)).not.toContain('pwned');
  });
});
