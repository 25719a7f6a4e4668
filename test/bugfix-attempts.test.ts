import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDispatcher, buildAgentEnvironment, loadAgentRegistry, type AgentRegistry, type InProcessAgent } from '../src/agents/index.js';
import { FIX_SELECTOR_AGENT, IsolatingDispatcher, patchFilePath, readPatchFile } from '../src/codebase/index.js';
import { EnsembleError, RunScheduler, assertValidGraph, runConfigSchema, taskSpecSchema, validateGraph } from '../src/core/index.js';
import type { RunEvent, TaskInput, TaskOutcome, TaskRequest } from '../src/core/index.js';
import { systemClock } from '../src/host/index.js';
import { resolveWorkflow } from '../src/workflows/index.js';
import { recordingDispatchContext } from './helpers/dispatch-context.js';
import { makeGitRepository } from './helpers/git-repository.js';
import { failureOf, isProcessGone, waitFor } from './helpers/process-agents.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { parseNdjson, runCli } from './helpers/cli.js';

// Issue 8, item 4: bugfix attempts in private copies of the workspace (git worktrees), their changes
// kept as patches, and the selector that verifies each, applies only the winner and says why.

const BUGGY = 'exports.add = (a, b) => a - b;\n';
const CHECK = "const { add } = require('./calc.js');\nif (add(2, 3) !== 5) {\n  console.error(`add(2, 3) = ${add(2, 3)}, expected 5`);\n  process.exit(1);\n}\nconsole.log('add works');\n";
/** The fixes three attempts write: a wrong one, a right one with extra lines, the smallest right one. */
const ATTEMPT_FIXES: Readonly<Record<string, string>> = {
  'fix-attempt-1': 'exports.add = (a, b) => a * b;\n',
  'fix-attempt-2': '// Adds two numbers.\n// The old code subtracted them.\nexports.add = (a, b) => {\n  return a + b;\n};\n',
  'fix-attempt-3': 'exports.add = (a, b) => a + b;\n',
};

let temp: TempFolder;
let root: string;
beforeEach(() => {
  temp = createTempFolder('ensemble-bugfix-attempts-');
  root = realpathSync(temp.folder);
});
afterEach(() => temp.remove());

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', ...args], { cwd, encoding: 'utf8' });
}

/** The worktrees registered in the repository at `cwd`, as `git worktree list` paths. */
function worktreesOf(cwd: string): string[] {
  return git(cwd, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
}

/** Files left under `<dataDir>/worktrees` (copies, git dirs, owner records). */
function copiesLeft(dataDir: string): string[] {
  const top = join(dataDir, 'worktrees');
  if (!existsSync(top)) return [];
  return readdirSync(top, { recursive: true }).map(String);
}

/** Writes `command` agents (name → node program run with `node -e`) to a fresh agents folder and loads them over the catalogue. */
function commandAgents(programs: Readonly<Record<string, string>>): AgentRegistry {
  const agentsDir = join(root, 'agents');
  mkdirSync(agentsDir, { recursive: true });
  for (const [name, program] of Object.entries(programs)) {
    writeFileSync(join(agentsDir, `${name}.md`), `---\nname: ${name}\ndescription: ${name} test agent\nruntime: command\ncommand: ${JSON.stringify(['node', '-e', program])}\n---\nTest agent.\n`);
  }
  const empty = join(root, 'empty');
  mkdirSync(empty, { recursive: true });
  return loadAgentRegistry({ agentDirs: [agentsDir], cwd: empty, homeDir: empty, onWarning: () => undefined });
}

function isolatingDispatcher(registry: AgentRegistry, dataDir: string, inProcess: ReadonlyMap<string, InProcessAgent> = new Map()): IsolatingDispatcher {
  return new IsolatingDispatcher(new LocalDispatcher({ registry, inProcess }), { dataDir, verifyEnvironment: buildAgentEnvironment(process.env, undefined, {}) });
}

function requestFor(task: TaskInput, runId = 'run-bugfix-1', attempt = 1): TaskRequest {
  const spec = taskSpecSchema.parse(task);
  // Every dependency succeeded, as the scheduler hands a selector the outputs of those that did.
  const inputs = spec.dependencies.map((taskId) => ({ taskId, agentName: 'attempt', output: `${taskId} done` }));
  return { runId, task: spec, attempt, executionId: `${runId}:${spec.id}:${attempt}`, inputs, context: [], permissions: 'edit' };
}

/** Writes the fix of the attempt whose task id it runs as. */
const FIXER_PROGRAM = `const fixes = ${JSON.stringify(ATTEMPT_FIXES)}; require('fs').writeFileSync('calc.js', fixes[process.env.ENSEMBLE_TASK_ID]); console.log('wrote calc.js');`;

/** Runs the three attempts (isolated, one after the other) in `workspace`; resolves with their outcomes. */
async function runAttempts(dispatcher: IsolatingDispatcher, workspace: string, ids: readonly string[] = Object.keys(ATTEMPT_FIXES)): Promise<TaskOutcome[]> {
  const outcomes: TaskOutcome[] = [];
  for (const id of ids) {
    outcomes.push(await dispatcher.dispatch(requestFor({ id, agentName: 'fixer', isolation: 'worktree' }), recordingDispatchContext(undefined, workspace)));
  }
  return outcomes;
}

function selectorTask(fixSelection: Record<string, unknown>, dependencies: readonly string[] = Object.keys(ATTEMPT_FIXES)): TaskInput {
  return { id: 'select-fix', agentName: FIX_SELECTOR_AGENT, prompt: 'Bug: add subtracts.', dependencies: [...dependencies], context: { fixSelection } };
}

describe('isolated attempts (isolation: worktree)', () => {
  it('work in a worktree that holds the uncommitted and untracked files; the workspace is untouched, the change is a stored binary patch, the worktree is gone', async () => {
    const workspace = makeGitRepository(join(root, 'repo'), { 'calc.js': BUGGY, 'README.md': '# Calc\n', 'old.txt': 'to be removed\n', '.gitignore': 'secret.env\n' });
    writeFileSync(join(workspace, 'README.md'), '# Calc\n\nEdited, not committed.\n');
    mkdirSync(join(workspace, 'notes'));
    writeFileSync(join(workspace, 'notes', 'todo.txt'), 'untracked note\n');
    writeFileSync(join(workspace, 'secret.env'), 'IGNORED=1\n');
    // The default data folder: inside the workspace, untracked; it must not be copied into itself.
    const dataDir = join(workspace, '.ensemble');
    const registry = commandAgents({
      editor: [
        "const fs = require('fs');",
        "const seen = { cwd: process.cwd(), readme: fs.readFileSync('README.md', 'utf8'), note: fs.readFileSync('notes/todo.txt', 'utf8'), hasIgnored: fs.existsSync('secret.env'), hasData: fs.existsSync('.ensemble') };",
        "fs.writeFileSync('calc.js', 'exports.add = (a, b) => a + b;\\n');",
        "fs.mkdirSync('assets');",
        "fs.writeFileSync('assets/logo.bin', Buffer.from(Array.from({ length: 256 }, (_, i) => i)));",
        "fs.rmSync('old.txt');",
        'console.log(JSON.stringify(seen));',
      ].join('\n'),
    });
    const dispatcher = isolatingDispatcher(registry, dataDir);
    const outcome = await dispatcher.dispatch(requestFor({ id: 'fix-attempt-1', agentName: 'editor', isolation: 'worktree' }), recordingDispatchContext(undefined, workspace));

    const seen = JSON.parse(outcome.output) as { cwd: string; readme: string; note: string; hasIgnored: boolean; hasData: boolean };
    expect(seen.cwd.startsWith(join(dataDir, 'worktrees', 'run-bugfix-1'))).toBe(true);
    expect(seen).toMatchObject({ readme: '# Calc\n\nEdited, not committed.\n', note: 'untracked note\n', hasIgnored: false, hasData: false });
    // The workspace is as the user left it.
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(BUGGY);
    expect(existsSync(join(workspace, 'assets'))).toBe(false);
    expect(existsSync(join(workspace, 'old.txt'))).toBe(true);
    // No worktree is left registered or on disk.
    expect(worktreesOf(workspace)).toEqual([workspace]);
    expect(copiesLeft(dataDir)).toEqual([]);

    const patch = await readPatchFile(dataDir, 'run-bugfix-1', 'fix-attempt-1');
    const text = patch?.toString('utf8') ?? '';
    expect(text).toContain('diff --git a/calc.js b/calc.js');
    expect(text).toContain('+exports.add = (a, b) => a + b;');
    expect(text).toContain('deleted file mode 100644');
    expect(text).toContain('GIT binary patch');
    // Only the attempt's own change: not the user's edits it started from, not the data folder.
    expect(text).not.toContain('README.md');
    expect(text).not.toContain('todo.txt');
    expect(text).not.toContain('.ensemble');
    expect(outcome.evidence?.diff).toBe(text);
    expect(outcome.evidence).toMatchObject({ runtime: 'command', exitCode: 0 });
    expect(outcome.evidence?.diffShared).toBeUndefined();

    // The patch applies to the workspace and reproduces the change byte for byte.
    execFileSync('git', ['apply', '--binary', patchFilePath(dataDir, 'run-bugfix-1', 'fix-attempt-1')], { cwd: workspace });
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe('exports.add = (a, b) => a + b;\n');
    expect([...readFileSync(join(workspace, 'assets', 'logo.bin'))]).toEqual(Array.from({ length: 256 }, (_, index) => index));
    expect(existsSync(join(workspace, 'old.txt'))).toBe(false);
    expect(readFileSync(join(workspace, 'README.md'), 'utf8')).toBe('# Calc\n\nEdited, not committed.\n');
  });

  it('in a subfolder of a repository: the attempt works in the same subfolder of the worktree, with node_modules linked', async () => {
    const repository = makeGitRepository(join(root, 'mono'), { 'packages/calc/calc.js': BUGGY, '.gitignore': 'node_modules/\n' });
    const workspace = join(repository, 'packages', 'calc');
    mkdirSync(join(workspace, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(workspace, 'node_modules', 'dep', 'index.js'), "module.exports = 'dependency';\n");
    const dataDir = join(root, 'data');
    const registry = commandAgents({
      editor: "const fs = require('fs'); fs.writeFileSync('calc.js', 'exports.add = (a, b) => a + b;\\n'); console.log(JSON.stringify({ cwd: process.cwd(), dep: require(process.cwd() + '/node_modules/dep') }));",
    });
    const outcome = await isolatingDispatcher(registry, dataDir).dispatch(
      requestFor({ id: 'fix-attempt-1', agentName: 'editor', isolation: 'worktree' }),
      recordingDispatchContext(undefined, workspace),
    );
    const seen = JSON.parse(outcome.output) as { cwd: string; dep: string };
    expect(seen.cwd.endsWith(join('packages', 'calc'))).toBe(true);
    expect(seen.dep).toBe('dependency');
    const text = (await readPatchFile(dataDir, 'run-bugfix-1', 'fix-attempt-1'))?.toString('utf8') ?? '';
    // Relative to the repository's top, like every patch of a worktree; the link is not part of it.
    expect(text).toContain('diff --git a/packages/calc/calc.js b/packages/calc/calc.js');
    expect(text).not.toContain('node_modules');
    expect(worktreesOf(repository)).toEqual([repository]);
    expect(existsSync(join(workspace, 'node_modules', 'dep', 'index.js'))).toBe(true);
  });

  it('an aborted attempt has its worktree removed and leaves no patch', async () => {
    const workspace = makeGitRepository(join(root, 'repo'), { 'calc.js': BUGGY });
    const dataDir = join(root, 'data');
    const marker = join(root, 'started.txt');
    const registry = commandAgents({
      sleeper: `require('fs').writeFileSync(${JSON.stringify(marker)}, process.cwd()); require('fs').writeFileSync('calc.js', 'half done'); setTimeout(() => {}, 30000);`,
    });
    const controller = new AbortController();
    const dispatched = isolatingDispatcher(registry, dataDir).dispatch(
      requestFor({ id: 'fix-attempt-1', agentName: 'sleeper', isolation: 'worktree' }),
      recordingDispatchContext(controller.signal, workspace),
    );
    // Read until whole: the agent may be writing it.
    const copy = await waitFor(() => (existsSync(marker) && readFileSync(marker, 'utf8') !== '' ? readFileSync(marker, 'utf8') : undefined), 20_000);
    expect(worktreesOf(workspace)).toEqual([workspace, copy]);
    controller.abort(new EnsembleError('RUN_CANCELLED', 'cancelled by the test'));
    const failure = await failureOf(dispatched);
    expect(failure.code).toBe('RUN_CANCELLED');
    expect(worktreesOf(workspace)).toEqual([workspace]);
    expect(existsSync(copy)).toBe(false);
    expect(copiesLeft(dataDir)).toEqual([]);
    expect(await readPatchFile(dataDir, 'run-bugfix-1', 'fix-attempt-1')).toBeUndefined();
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(BUGGY);
  });

  it('outside git: a copied folder (node_modules linked, not copied), its change a patch that git apply takes in the folder', async () => {
    const workspace = join(root, 'plain');
    mkdirSync(join(workspace, 'node_modules', 'dep'), { recursive: true });
    writeFileSync(join(workspace, 'calc.js'), BUGGY);
    writeFileSync(join(workspace, 'node_modules', 'dep', 'index.js'), "module.exports = 'dependency';\n");
    const dataDir = join(workspace, '.ensemble');
    const registry = commandAgents({
      editor:
        "const fs = require('fs'); fs.writeFileSync('calc.js', 'exports.add = (a, b) => a + b;\\n'); fs.writeFileSync('NEW.md', 'new\\n'); console.log(JSON.stringify({ cwd: process.cwd(), dep: require(process.cwd() + '/node_modules/dep'), isLinked: fs.lstatSync('node_modules').isSymbolicLink(), hasData: fs.existsSync('.ensemble'), hasGit: fs.existsSync('.git') }));",
    });
    const outcome = await isolatingDispatcher(registry, dataDir).dispatch(
      requestFor({ id: 'fix-attempt-2', agentName: 'editor', isolation: 'worktree' }),
      recordingDispatchContext(undefined, workspace),
    );
    expect(JSON.parse(outcome.output)).toMatchObject({ dep: 'dependency', isLinked: true, hasData: false, hasGit: false });
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(BUGGY);
    expect(existsSync(join(workspace, 'NEW.md'))).toBe(false);
    expect(copiesLeft(dataDir)).toEqual([]);
    const path = patchFilePath(dataDir, 'run-bugfix-1', 'fix-attempt-2');
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('diff --git a/calc.js b/calc.js');
    expect(text).toContain('diff --git a/NEW.md b/NEW.md');
    expect(text).not.toContain('node_modules');
    execFileSync('git', ['apply', path], { cwd: workspace, env: { ...process.env, GIT_CEILING_DIRECTORIES: root } });
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe('exports.add = (a, b) => a + b;\n');
  });

  it('sweeps the worktree a killed process left before the first isolated attempt, and keeps those of live processes', async () => {
    const workspace = makeGitRepository(join(root, 'repo'), { 'calc.js': BUGGY });
    const dataDir = join(root, 'data');
    const runFolder = join(dataDir, 'worktrees', 'run-crashed');
    mkdirSync(runFolder, { recursive: true });
    const deadPid = spawnSync('node', ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const leftover = join(runFolder, 'fix-attempt-1-1-abcdef');
    const alive = join(runFolder, 'fix-attempt-2-1-123456');
    git(workspace, 'worktree', 'add', '--detach', '--quiet', leftover, 'HEAD');
    git(workspace, 'worktree', 'add', '--detach', '--quiet', alive, 'HEAD');
    const record = (path: string, pid: number) => writeFileSync(`${path}.owner.json`, JSON.stringify({ pid, host: hostname(), root: path, repository: workspace, createdAt: 0 }));
    record(leftover, Number(deadPid));
    record(alive, process.pid);
    const registry = commandAgents({ editor: "require('fs').writeFileSync('calc.js', 'exports.add = (a, b) => a + b;\\n');" });
    await isolatingDispatcher(registry, dataDir).dispatch(requestFor({ id: 'fix-attempt-1', agentName: 'editor', isolation: 'worktree' }), recordingDispatchContext(undefined, workspace));
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(`${leftover}.owner.json`)).toBe(false);
    expect(worktreesOf(workspace)).toEqual([workspace, alive]);
    git(workspace, 'worktree', 'remove', '--force', alive);
  });
});

describe('the fix selector', () => {
  function calcRepository(): string {
    return makeGitRepository(join(root, 'repo'), { 'calc.js': BUGGY, 'check.js': CHECK });
  }

  it('picks the candidate the verification command passes with, the smallest first; applies only it; the report says why', async () => {
    const workspace = calcRepository();
    const dataDir = join(root, 'data');
    const dispatcher = isolatingDispatcher(commandAgents({ fixer: FIXER_PROGRAM }), dataDir);
    await runAttempts(dispatcher, workspace);
    const context = recordingDispatchContext(undefined, workspace);
    const outcome = await dispatcher.dispatch(requestFor(selectorTask({ verifyCommand: 'node check.js', verifyTimeoutMs: 20_000 })), context);

    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(ATTEMPT_FIXES['fix-attempt-3']);
    expect(git(workspace, 'status', '--short')).toBe(' M calc.js\n');
    const lines = outcome.output.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '# Fix selection',
      '',
      'Selected: fix-attempt-3',
      'Rule: verification: the candidates with which `node check.js` passes win; ties go to the smallest patch, then the earliest attempt',
    ]);
    expect(lines[4]).toMatch(/^Why: `node check\.js` passes with fix-attempt-3, fix-attempt-2; fix-attempt-3 has the smallest patch \(\d+ bytes, next \d+\)$/);
    expect(lines[5]).toMatch(new RegExp(`^Applied: 1 file \\(calc\\.js\\), \\+1 −1, \\d+ bytes; applied to ${workspace}$`));
    expect(outcome.output).toMatch(/- fix-attempt-1: 1 file \(calc\.js\), \+1 −1, \d+ bytes; `node check\.js` exited 1 in [\d.]+ s \(failed\)/);
    expect(outcome.output).toContain('add(2, 3) = 6, expected 5');
    expect(outcome.output).toMatch(/- fix-attempt-2: 1 file \(calc\.js\), \+5 −1, \d+ bytes; `node check\.js` exited 0 in [\d.]+ s \(passed\)/);
    expect(outcome.output).toMatch(/- fix-attempt-3 ← selected: .*exited 0/);
    expect(outcome.output).toMatch(/Without any patch: `node check\.js` exited 1 in [\d.]+ s \(failed\)/);
    expect(outcome.output).toContain('add(2, 3) = -1, expected 5');
    expect(outcome.evidence).toMatchObject({ runtime: 'fix-selector', command: ['node', 'check.js'], exitCode: 0 });
    expect(outcome.evidence?.diff).toBe(readFileSync(patchFilePath(dataDir, 'run-bugfix-1', 'fix-attempt-3'), 'utf8'));
    // Each verification ran in a copy of its own, journaled as a process group, and no copy is left.
    const groups = context.recorded.events.filter((event) => event.type === 'agent:process');
    expect(groups.map((event) => (event.payload as { state: string }).state)).toEqual(['started', 'exited', 'started', 'exited', 'started', 'exited', 'started', 'exited']);
    expect(worktreesOf(workspace)).toEqual([workspace]);
    expect(copiesLeft(dataDir)).toEqual([]);
    expect(context.recorded.outputs.join('')).toContain('verifying fix-attempt-2');

    // Run again (a resume after a crash that came after the patch was applied): the same winner, found applied.
    const again = await dispatcher.dispatch(requestFor(selectorTask({ verifyCommand: 'node check.js' })), recordingDispatchContext(undefined, workspace));
    expect(again.output).toBe(outcome.output);
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(ATTEMPT_FIXES['fix-attempt-3']);
  });

  it('asks the fix-selector agent when there is no verification command, and applies the candidate its verdict names', async () => {
    const workspace = calcRepository();
    const dataDir = join(root, 'data');
    const prompts: { prompt: string; context: unknown }[] = [];
    const judge: InProcessAgent = {
      name: FIX_SELECTOR_AGENT,
      run: (task) => {
        prompts.push({ prompt: task.prompt, context: task.context });
        return 'fix-attempt-1 multiplies. fix-attempt-2 adds, with comments.\nWINNER: **fix-attempt-2**';
      },
    };
    const dispatcher = isolatingDispatcher(commandAgents({ fixer: FIXER_PROGRAM }), dataDir, new Map([[FIX_SELECTOR_AGENT, judge]]));
    await runAttempts(dispatcher, workspace, ['fix-attempt-1', 'fix-attempt-2']);
    const outcome = await dispatcher.dispatch(requestFor(selectorTask({}, ['fix-attempt-1', 'fix-attempt-2'])), recordingDispatchContext(undefined, workspace));

    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(ATTEMPT_FIXES['fix-attempt-2']);
    expect(prompts).toHaveLength(1);
    expect(prompts[0]?.context).toBeUndefined();
    const prompt = prompts[0]?.prompt ?? '';
    expect(prompt.startsWith('Bug: add subtracts.')).toBe(true);
    expect(prompt).toContain('### fix-attempt-1');
    expect(prompt).toContain('+exports.add = (a, b) => a * b;');
    expect(prompt).toContain('### fix-attempt-2');
    expect(prompt).toContain('The verification rule could not decide: there is no verification command');
    expect(prompt).toContain('end with exactly one line `WINNER: <candidate>` naming one of fix-attempt-1, fix-attempt-2');
    expect(outcome.output).toContain('Selected: fix-attempt-2');
    expect(outcome.output).toContain('Rule: judge: the verification rule could not decide, so the fix-selector agent chose by reading the patches');
    expect(outcome.output).toContain('Why: the fix-selector agent chose fix-attempt-2 (WINNER: fix-attempt-2)');
    expect(outcome.output).toContain('not verified (no verification command)');
    expect(outcome.output).toContain('## Judge\n\nAsked because there is no verification command');
  });

  it('fails without touching the workspace when no candidate passes and the judge names none, or writes no verdict', async () => {
    const workspace = calcRepository();
    const dataDir = join(root, 'data');
    const answers = ['None of them is right.\nWINNER: none', 'I cannot tell.'];
    const judge: InProcessAgent = { name: FIX_SELECTOR_AGENT, run: () => answers.shift() ?? '' };
    const dispatcher = isolatingDispatcher(commandAgents({ fixer: FIXER_PROGRAM }), dataDir, new Map([[FIX_SELECTOR_AGENT, judge]]));
    await runAttempts(dispatcher, workspace, ['fix-attempt-1']);
    const select = () => dispatcher.dispatch(requestFor(selectorTask({ verifyCommand: 'node check.js' }, ['fix-attempt-1'])), recordingDispatchContext(undefined, workspace));

    const none = await failureOf(select());
    expect(none).toMatchObject({ code: 'AGENT_FAILED', retryable: false });
    expect(none.message).toBe('select-fix: no fix selected: the fix-selector agent judged that no candidate should be applied (WINNER: none); the workspace is unchanged');
    expect(String(none.details?.['report'])).toContain('Selected: none');
    expect(String(none.details?.['report'])).toContain('Asked because no candidate passes `node check.js`.');
    const unreadable = await failureOf(select());
    expect(unreadable).toMatchObject({ code: 'AGENT_FAILED', retryable: true });
    expect(unreadable.message).toContain('no fix selected: the judge wrote no `WINNER: <candidate>` line');
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(BUGGY);
    expect(worktreesOf(workspace)).toEqual([workspace]);
  });

  it('selects nothing, and asks no judge, when the workspace changed so that no candidate applies any more', async () => {
    const workspace = calcRepository();
    const dataDir = join(root, 'data');
    let judgeCalls = 0;
    const judge: InProcessAgent = { name: FIX_SELECTOR_AGENT, run: () => `WINNER: fix-attempt-${++judgeCalls}` };
    const dispatcher = isolatingDispatcher(commandAgents({ fixer: FIXER_PROGRAM }), dataDir, new Map([[FIX_SELECTOR_AGENT, judge]]));
    await runAttempts(dispatcher, workspace, ['fix-attempt-1', 'fix-attempt-3']);
    const edited = 'exports.add = (a, b) => b - a;\n';
    writeFileSync(join(workspace, 'calc.js'), edited);
    const failure = await failureOf(dispatcher.dispatch(requestFor(selectorTask({ verifyCommand: 'node check.js' }, ['fix-attempt-1', 'fix-attempt-3'])), recordingDispatchContext(undefined, workspace)));
    expect(failure).toMatchObject({ code: 'AGENT_FAILED', retryable: false });
    expect(failure.message).toBe("select-fix: no fix selected: no candidate's patch applies to the workspace as it is now (it changed since the attempts started); the workspace is unchanged");
    expect(String(failure.details?.['report'])).toMatch(/- fix-attempt-3: .*; did not apply to the workspace as it is now: /);
    expect(judgeCalls).toBe(0);
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(edited);
    expect(worktreesOf(workspace)).toEqual([workspace]);
  });

  it("refuses, when run again, a winner that no longer applies to the workspace, and leaves the user's edit alone", async () => {
    const workspace = calcRepository();
    const dataDir = join(root, 'data');
    const dispatcher = isolatingDispatcher(commandAgents({ fixer: FIXER_PROGRAM }), dataDir);
    await runAttempts(dispatcher, workspace, ['fix-attempt-3']);
    const select = () => dispatcher.dispatch(requestFor(selectorTask({ verifyCommand: 'node check.js' }, ['fix-attempt-3'])), recordingDispatchContext(undefined, workspace));
    await select();
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(ATTEMPT_FIXES['fix-attempt-3']);
    // The user rewrites the line after the selector applied it; a resumed selector must not pile its patch onto that.
    const edited = 'exports.add = (a, b) => Number(a) + Number(b);\n';
    writeFileSync(join(workspace, 'calc.js'), edited);
    const failure = await failureOf(select());
    expect(failure).toMatchObject({ code: 'AGENT_FAILED', retryable: false });
    expect(failure.message).toMatch(new RegExp(`^select-fix: fix-attempt-3 was selected, but its patch no longer applies to ${workspace} \\(it changed since the attempts started\\): .*calc\\.js.*; nothing was applied$`));
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(edited);
  });

  it('stops a verification run on abort: its process group is killed, its worktree removed, nothing applied', async () => {
    const workspace = calcRepository();
    const dataDir = join(root, 'data');
    const dispatcher = isolatingDispatcher(commandAgents({ fixer: FIXER_PROGRAM }), dataDir);
    await runAttempts(dispatcher, workspace, ['fix-attempt-3']);
    const controller = new AbortController();
    const context = recordingDispatchContext(controller.signal, workspace);
    const selecting = dispatcher.dispatch(requestFor(selectorTask({ verifyCommand: 'node -e "setTimeout(() => {}, 30000)"' }, ['fix-attempt-3'])), context);
    const started = await waitFor(() => context.recorded.events.find((event) => event.type === 'agent:process'), 20_000);
    expect(worktreesOf(workspace)).toHaveLength(2);
    controller.abort(new EnsembleError('RUN_CANCELLED', 'cancelled by the test'));
    expect((await failureOf(selecting)).code).toBe('RUN_CANCELLED');
    expect(isProcessGone((started.payload as { pid: number }).pid)).toBe(true);
    expect(worktreesOf(workspace)).toEqual([workspace]);
    expect(copiesLeft(dataDir)).toEqual([]);
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe(BUGGY);
  });

  it('names the dependency that left no patch, and an invalid setting with its path', async () => {
    const workspace = calcRepository();
    const dispatcher = isolatingDispatcher(commandAgents({}), join(root, 'data'));
    const missing = await failureOf(dispatcher.dispatch(requestFor(selectorTask({}, ['analyze'])), recordingDispatchContext(undefined, workspace)));
    expect(missing.code).toBe('AGENT_FAILED');
    expect(missing.message).toContain('select-fix: no patch was stored for analyze');
    expect(missing.message).toContain('must run with isolation: worktree');
    const invalid = await failureOf(dispatcher.dispatch(requestFor(selectorTask({ verifyComand: 'npm test' })), recordingDispatchContext(undefined, workspace)));
    expect(invalid.code).toBe('INVALID_INPUT');
    expect(invalid.message).toMatch(/^tasks\.select-fix\.context\.fixSelection: /);
    expect(invalid.message).toContain('verifyComand');
  });
});

/** Command programs standing in for the catalogue agents of each bugfix step: fix-attempt-2's fix is the right one. */
const BUGFIX_STEP_PROGRAMS: Readonly<Record<string, string>> = {
  tester: [
    "const fs = require('fs');",
    "if (process.env.ENSEMBLE_TASK_ID === 'reproduce') { fs.writeFileSync('repro.js', " + JSON.stringify(CHECK) + "); console.log('wrote repro.js; node repro.js fails'); }",
    "else { const run = require('child_process').spawnSync('node', ['repro.js'], { encoding: 'utf8' }); console.log(run.stdout + (run.status === 0 ? 'Fixed: yes' : 'Fixed: no')); process.exit(run.status); }",
  ].join('\n'),
  debugger: [
    "const fs = require('fs');",
    "if (process.env.ENSEMBLE_TASK_ID === 'analyze') console.log('calc.js:1 subtracts');",
    "else { fs.writeFileSync('calc.js', 'exports.add = (a, b) => a * b;\\n'); console.log('multiplied'); }",
  ].join('\n'),
  developer: "const fs = require('fs'); if (!fs.existsSync('repro.js')) process.exit(3); fs.writeFileSync('calc.js', 'exports.add = (a, b) => a + b;\\n'); console.log('added');",
  refactorer: "console.log('no change needed');",
};

/** Runs the bugfix template on a buggy calc.js repository with `programs` as its agents, through a scheduler and the isolating dispatcher. */
async function runBugfix(name: string, programs: Readonly<Record<string, string>>) {
  const workspace = makeGitRepository(join(root, `repo-${name}`), { 'calc.js': BUGGY, 'package.json': JSON.stringify({ name: 'calc', scripts: { test: 'node repro.js' } }) });
  const dataDir = join(root, `data-${name}`);
  const registry = commandAgents(programs);
  const workflow = resolveWorkflow('bugfix', { params: { bug: 'add subtracts', verifyTimeoutMs: 20_000 } });
  const graph = assertValidGraph(validateGraph(workflow.tasks, { isKnownAgent: (agentName) => registry.has(agentName) }));
  const events: RunEvent[] = [];
  const scheduler = new RunScheduler({
    runId: `run-bugfix-${name}`,
    workflowName: workflow.name,
    graph,
    config: runConfigSchema.parse({ maxParallelAgents: 5 }),
    dispatcher: isolatingDispatcher(registry, dataDir),
    workspace,
    clock: systemClock,
    emit: (event) => events.push(event),
  });
  return { workspace, dataDir, events, outcome: await scheduler.start() };
}

describe('a whole bugfix run', () => {
  it('reproduce → analyze → three attempts in worktrees → the selector applies the one the reproduction passes with → verify passes', async () => {
    // Catalogue agents replaced by command agents that act as each step would.
    const { workspace, dataDir, events, outcome } = await runBugfix('whole', BUGFIX_STEP_PROGRAMS);

    const errors = events.flatMap((event) => (event.type === 'task:error' ? [`${event.taskId}: ${event.error.code}: ${event.error.message}`] : []));
    expect(errors).toEqual([]);
    expect(outcome.status).toBe('succeeded');
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe('exports.add = (a, b) => a + b;\n');
    expect(git(workspace, 'status', '--short')).toBe(' M calc.js\n?? repro.js\n');
    const complete = (taskId: string) => events.find((event) => event.type === 'task:complete' && event.taskId === taskId) as (RunEvent & { output?: string; evidence?: { diff?: string } }) | undefined;
    const selection = complete('select-fix');
    expect(selection?.output).toContain('Selected: fix-attempt-2');
    expect(selection?.output).toContain("Command: `npm test` (the workspace's package.json test script)");
    expect(selection?.output).toContain('- fix-attempt-3: no change (not a candidate)');
    expect(complete('fix-attempt-1')?.evidence?.diff).toContain('+exports.add = (a, b) => a * b;');
    expect(complete('fix-attempt-3')?.evidence?.diff).toBeUndefined();
    expect(complete('verify')?.output).toContain('Fixed: yes');
    expect(worktreesOf(workspace)).toEqual([workspace]);
    expect(copiesLeft(dataDir)).toEqual([]);
  }, 60_000);

  it('an attempt that fails does not sink the others: the selector picks among the attempts that succeeded', async () => {
    const { workspace, events, outcome } = await runBugfix('one-fails', { ...BUGFIX_STEP_PROGRAMS, refactorer: "console.error('crashed'); process.exit(1);" });
    const statuses = Object.fromEntries(outcome.results.map((result) => [result.taskId, result.status]));
    expect(statuses).toMatchObject({ 'fix-attempt-3': 'failed', 'select-fix': 'succeeded', verify: 'succeeded' });
    const selection = events.find((event) => event.type === 'task:complete' && event.taskId === 'select-fix') as (RunEvent & { output?: string }) | undefined;
    expect(selection?.output).toContain('Selected: fix-attempt-2');
    expect(selection?.output).not.toContain('fix-attempt-3');
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe('exports.add = (a, b) => a + b;\n');
  }, 60_000);

  it('through the CLI: the orchestrator isolates the attempts under the journal folder and applies only the winner', async () => {
    const workspace = makeGitRepository(join(root, 'repo-cli'), { 'calc.js': BUGGY, 'package.json': JSON.stringify({ name: 'calc', scripts: { test: 'node repro.js' } }) });
    commandAgents(BUGFIX_STEP_PROGRAMS);
    const dataDir = join(root, 'cli-data');
    const result = await runCli(
      ['run', 'bugfix', '--param', 'bug=add subtracts', '--param', 'verifyTimeoutMs=20000', '--concurrency', '5', '--json', '--db', join(dataDir, 'journal.db'), '--agents-dir', join(root, 'agents'), '--workspace', workspace],
      { cwd: workspace, timeoutMs: 120_000 },
    );
    // The test's agents stand in for catalogue ones, which ensemble says on stderr; nothing else may be there.
    expect(result.stderr.split('\n').filter((line) => line !== '' && !line.includes('overrides the built-in'))).toEqual([]);
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const selection = events.find((event) => event.type === 'task:complete' && event.taskId === 'select-fix');
    expect(String(selection?.output)).toContain('Selected: fix-attempt-2');
    expect(readFileSync(join(workspace, 'calc.js'), 'utf8')).toBe('exports.add = (a, b) => a + b;\n');
    expect(existsSync(join(dataDir, 'patches', String(events[0]!.runId), 'fix-attempt-2.patch'))).toBe(true);
    expect(worktreesOf(workspace)).toEqual([workspace]);
    expect(copiesLeft(dataDir)).toEqual([]);
  }, 150_000);
});
