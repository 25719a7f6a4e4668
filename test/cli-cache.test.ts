import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeGitRepository } from './helpers/git-repository.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { parseNdjson, runCli } from './helpers/cli.js';

// Issue 13: the result cache from the command line — `run --cache`, an agent file's `cache:`, and
// the line view's note — on a real git workspace and the default ./.ensemble journal inside it.
const TEST_TIMEOUT_MS = 120_000;

const reviewer = (name: string, extra = ''): string =>
  `---\nname: ${name}\ndescription: Reviews the code\nruntime: simulated\ntools: Read, Glob, Grep\n${extra}---\nYou review the code.\n`;

const WORKFLOW = [
  'name: cached review',
  'tasks:',
  '  - {id: style, agentName: style-reviewer, prompt: Review the style of src/}',
  '  - {id: risks, agentName: risk-reviewer, prompt: Review src/ for risks}',
  '  - {id: summary, agentName: style-reviewer, prompt: Sum up, dependencies: [style, risks]}',
  '',
].join('\n');

let temp: TempFolder;
let workspace: string;

beforeEach(() => {
  temp = createTempFolder('ensemble-cli-cache-');
  workspace = makeGitRepository(join(temp.folder, 'repo'), { 'src/app.js': 'exports.add = (a, b) => a + b;\n', '.gitignore': '.ensemble/\n' });
  mkdirSync(join(workspace, 'agents'));
  writeFileSync(join(workspace, 'agents', 'style-reviewer.md'), reviewer('style-reviewer'));
  writeFileSync(join(workspace, 'agents', 'risk-reviewer.md'), reviewer('risk-reviewer'));
  writeFileSync(join(temp.folder, 'review.yaml'), WORKFLOW);
});
afterEach(() => temp.remove());

type Completion = { type: string; runId: string; taskId: string; tokensUsed: number; cached?: boolean; cachedFrom?: { runId: string; tokensSaved: number } };
const completionsOf = (stdout: string): Completion[] => (parseNdjson(stdout) as Completion[]).filter((event) => event.type === 'task:complete');

describe('ensemble run --cache', () => {
  it(
    'serves every task of the second identical run from the first, saving its tokens; a changed file misses',
    async () => {
      const args = ['run', join(temp.folder, 'review.yaml'), '--cache', '1h', '--json'];
      const first = await runCli(args, { cwd: workspace });
      expect(first.code, first.stderr).toBe(0);
      const firstDone = completionsOf(first.stdout);
      expect(firstDone).toHaveLength(3);
      expect(firstDone.every((event) => event.cached === undefined && event.tokensUsed > 0)).toBe(true);

      const second = await runCli(args, { cwd: workspace });
      expect(second.code, second.stderr).toBe(0);
      const secondDone = completionsOf(second.stdout);
      expect(secondDone.map((event) => [event.taskId, event.cached, event.cachedFrom?.runId, event.tokensUsed]).sort()).toEqual(
        ['risks', 'style', 'summary'].map((taskId) => [taskId, true, firstDone[0]!.runId, 0]),
      );
      for (const event of secondDone) expect(event.cachedFrom!.tokensSaved).toBe(firstDone.find((done) => done.taskId === event.taskId)!.tokensUsed);

      // An uncommitted edit changes the workspace's state: nothing is reused, and the line view says nothing of a cache.
      writeFileSync(join(workspace, 'src', 'app.js'), 'exports.add = (a, b) => a - b;\n');
      const third = await runCli(['run', join(temp.folder, 'review.yaml'), '--cache', '1h'], { cwd: workspace, env: { COLUMNS: '200' } });
      expect(third.code, third.stderr).toBe(0);
      expect(third.stdout).not.toContain('cached from run');
      // Unchanged again since the third run: the line view names the run the outputs came from.
      const fourth = await runCli(['run', join(temp.folder, 'review.yaml'), '--cache', '1h'], { cwd: workspace, env: { COLUMNS: '200' } });
      expect(fourth.code, fourth.stderr).toBe(0);
      expect(fourth.stdout).toMatch(/cached from run \S+, saved [\d,]+ tokens/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'caches only the agent whose file opts in when the run sets no cache, and rejects a bad --cache',
    async () => {
      writeFileSync(join(workspace, 'agents', 'risk-reviewer.md'), reviewer('risk-reviewer', 'cache: {ttl: 30m}\n'));
      const args = ['run', join(temp.folder, 'review.yaml'), '--json'];
      expect((await runCli(args, { cwd: workspace })).code).toBe(0);
      const second = await runCli(args, { cwd: workspace });
      expect(second.code, second.stderr).toBe(0);
      expect(completionsOf(second.stdout).filter((event) => event.cached === true).map((event) => event.taskId)).toEqual(['risks']);

      const bad = await runCli(['run', join(temp.folder, 'review.yaml'), '--cache', 'forever'], { cwd: workspace });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--cache: expected a duration such as 90s, 30m, 12h or 7d, got "forever"');
    },
    TEST_TIMEOUT_MS,
  );
});
