import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskInput } from '../src/core/index.js';
import { openRunStore, type RunStore } from '../src/store/index.js';
import { makeGitRepository } from './helpers/git-repository.js';
import { openTempStore } from './helpers/temp-folder.js';
import { completions, runCachedWorkflow, type CachedRunOptions } from './helpers/result-cache-run.js';
import { startOpenAiChatToolServer, type OpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';
import { runCli } from './helpers/cli.js';

/** Every test is bounded: a hung run fails here instead of holding the suite. */
const TEST_TIMEOUT_MS = 90_000;
const HOUR_MS = 3_600_000;
/** `config.cache: {ttl: 1h}`, as the run config's schema gives it. */
const HOUR = { ttl: HOUR_MS };

const reviewer = (name: string, focus: string, extra = ''): string =>
  `---\nname: ${name}\ndescription: Reviews ${focus}\nruntime: simulated\ntools: Read, Glob, Grep\n${extra}---\nYou review the code for ${focus}.\n`;

/** The 2-reviewer workflow: two parallel reviews of the workspace, then a consolidation of both. */
const REVIEW_TASKS: readonly TaskInput[] = [
  { id: 'style', agentName: 'style-reviewer', prompt: 'Review the code style of src/' },
  { id: 'security', agentName: 'security-reviewer', prompt: 'Review src/ for security problems' },
  { id: 'summary', agentName: 'consolidator', prompt: 'Consolidate the reviews', dependencies: ['style', 'security'] },
];

let store: RunStore;
let folder: string;
let agentsDir: string;
let workspace: string;
let homeDir: string;

beforeEach(() => {
  const temp = openTempStore('ensemble-result-cache-e2e-', openRunStore);
  store = temp.store;
  folder = temp.folder;
  agentsDir = join(folder, 'agents');
  homeDir = join(folder, 'home');
  mkdirSync(agentsDir);
  mkdirSync(homeDir);
  writeFileSync(join(agentsDir, 'style-reviewer.md'), reviewer('style-reviewer', 'style'));
  writeFileSync(join(agentsDir, 'security-reviewer.md'), reviewer('security-reviewer', 'security'));
  writeFileSync(join(agentsDir, 'consolidator.md'), '---\nname: consolidator\ndescription: Consolidates reviews\nruntime: simulated\ntools: Read\n---\nYou consolidate reviews.\n');
  workspace = makeGitRepository(join(folder, 'repo'), { 'src/app.ts': 'export function add(a: number, b: number) { return a + b; }\n', 'README.md': '# app\n' });
  return () => temp.remove(store);
});

function run(overrides: Partial<CachedRunOptions> = {}) {
  return runCachedWorkflow({ store, workspace, agentsDir, homeDir, tasks: REVIEW_TASKS, cache: HOUR, ...overrides });
}

/** Which tasks of a run were served from the cache. */
async function cachedTasksOf(overrides: Partial<CachedRunOptions> = {}): Promise<string[]> {
  const result = await run(overrides);
  expect(result.outcome.status).toBe('succeeded');
  return [...completions(result)].filter(([, event]) => event.cached === true).map(([taskId]) => taskId).sort();
}

describe('result cache (issue 13)', () => {
  it('a second identical run of a 2-reviewer workflow reuses every output: cached task:complete naming the first run, no tokens', { timeout: TEST_TIMEOUT_MS }, async () => {
    const first = await run();
    expect(first.outcome.status).toBe('succeeded');
    expect(first.outcome.summary.totalTokens).toBeGreaterThan(0);
    for (const event of completions(first).values()) expect(event.cached).toBeUndefined();
    const rows = store.resultCache.list({}, Date.now());
    expect(rows.map((row) => row.taskId).sort()).toEqual(['security', 'style', 'summary']);
    expect(rows.every((row) => row.runId === first.outcome.runId && row.workspace === workspace && row.tokensUsed > 0)).toBe(true);

    const second = await run();
    expect(second.outcome.status).toBe('succeeded');
    const completed = completions(second);
    expect([...completed.keys()].sort()).toEqual(['security', 'style', 'summary']);
    for (const [taskId, event] of completed) {
      const source = rows.find((row) => row.taskId === taskId)!;
      expect(event).toMatchObject({ cached: true, tokensUsed: 0, cachedFrom: { runId: first.outcome.runId, taskId, tokensSaved: source.tokensUsed } });
      expect(event.output).toBe(first.outcome.results.find((result) => result.taskId === taskId)?.output);
    }
    expect(second.outcome.summary.totalTokens).toBe(0);
    // No tool call ran: nothing was explored again.
    expect(second.events.filter((event) => event.type === 'agent:tool')).toEqual([]);
    expect(store.resultCache.list({}, Date.now()).map((row) => row.hits)).toEqual([1, 1, 1]);
  });

  it('llm reviewers: the second run makes zero model requests', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server: OpenAiChatToolServer = await startOpenAiChatToolServer({ models: ['qwen2.5-coder'], turns: [[{ type: 'text', text: 'Looks fine.' }]], inputTokens: 300, outputTokens: 40 });
    try {
      for (const name of ['style-reviewer', 'security-reviewer']) writeFileSync(join(agentsDir, `${name}.md`), reviewer(name, name).replace('runtime: simulated\n', ''));
      const ensembleConfig = { provider: 'openai-compatible' as const, providers: { 'openai-compatible': { baseURL: server.baseUrl } }, model: 'qwen2.5-coder', tiers: {}, costs: {} };
      const tasks = REVIEW_TASKS.slice(0, 2);
      const first = await run({ tasks, ensembleConfig });
      expect(first.outcome.status).toBe('succeeded');
      expect(server.chatRequests()).toHaveLength(2);
      expect(store.resultCache.list({}, Date.now())).toMatchObject([
        { model: expect.stringContaining('qwen2.5-coder'), tokensUsed: 340 },
        { model: expect.stringContaining('qwen2.5-coder'), tokensUsed: 340 },
      ]);

      const second = await run({ tasks, ensembleConfig });
      expect(second.outcome.status).toBe('succeeded');
      expect(server.chatRequests()).toHaveLength(2);
      expect(second.outcome.summary).toMatchObject({ totalTokens: 0, totalCost: 0 });
      for (const event of completions(second).values()) expect(event).toMatchObject({ cached: true, tokensUsed: 0, output: 'Looks fine.', cachedFrom: { runId: first.outcome.runId, tokensSaved: 340 } });
    } finally {
      await server.close();
    }
  });

  it('misses after a committed, an uncommitted or an untracked change of the workspace', { timeout: TEST_TIMEOUT_MS }, async () => {
    await run();
    expect(await cachedTasksOf()).toEqual(['security', 'style', 'summary']);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: workspace, stdio: 'ignore' });

    writeFileSync(join(workspace, 'src', 'app.ts'), 'export function add(a: number, b: number) { return b + a; }\n');
    expect(await cachedTasksOf()).toEqual([]);
    expect(await cachedTasksOf()).toEqual(['security', 'style', 'summary']);

    writeFileSync(join(workspace, 'src', 'extra.ts'), 'export const extra = 1;\n');
    expect(await cachedTasksOf()).toEqual([]);

    git('add', '-A');
    git('commit', '-qm', 'same content, committed');
    // Committing what was already there changes nothing an agent can see.
    expect(await cachedTasksOf()).toEqual(['security', 'style', 'summary']);
    writeFileSync(join(workspace, 'README.md'), '# app, changed\n');
    git('commit', '-qam', 'a committed change');
    expect(await cachedTasksOf()).toEqual([]);
  });

  it('a different workspace with identical content misses: entries never cross workspaces', { timeout: TEST_TIMEOUT_MS }, async () => {
    await run();
    const twin = makeGitRepository(join(folder, 'twin'), { 'src/app.ts': 'export function add(a: number, b: number) { return a + b; }\n', 'README.md': '# app\n' });
    expect(execFileSync('git', ['rev-parse', 'HEAD^{tree}'], { cwd: twin, encoding: 'utf8' })).toBe(execFileSync('git', ['rev-parse', 'HEAD^{tree}'], { cwd: workspace, encoding: 'utf8' }));
    expect(await cachedTasksOf({ workspace: twin })).toEqual([]);
    expect(new Set(store.resultCache.list({}, Date.now()).map((row) => row.workspace))).toEqual(new Set([workspace, twin]));
  });

  it('an edited agent file misses for that agent (and its dependents) only', { timeout: TEST_TIMEOUT_MS }, async () => {
    await run();
    writeFileSync(join(agentsDir, 'style-reviewer.md'), reviewer('style-reviewer', 'style').replace('You review', 'You carefully review'));
    // The edited reviewer runs again and answers the same (the simulation does not read its body), so the summary still hits.
    expect(await cachedTasksOf()).toEqual(['security', 'summary']);
  });

  it('a changed dependency output misses', { timeout: TEST_TIMEOUT_MS }, async () => {
    const notes = join(folder, 'notes.txt');
    writeFileSync(notes, 'first notes\n');
    writeFileSync(join(agentsDir, 'notes.md'), `---\nname: notes\ndescription: Prints notes\nruntime: command\ncommand: ["cat", ${JSON.stringify(notes)}]\n---\nPrints the notes.\n`);
    const tasks: TaskInput[] = [
      { id: 'notes', agentName: 'notes', prompt: 'notes' },
      { id: 'style', agentName: 'style-reviewer', prompt: 'Review src/ against the notes', dependencies: ['notes'] },
    ];
    await run({ tasks });
    expect(await cachedTasksOf({ tasks })).toEqual(['style']);
    writeFileSync(notes, 'second notes\n');
    expect(await cachedTasksOf({ tasks })).toEqual([]);
  });

  it('an expired entry misses (TTL on the cache\'s clock), and is replaced by a fresh one', { timeout: TEST_TIMEOUT_MS }, async () => {
    let nowMs = Date.now();
    const first = await run({ nowMs: () => nowMs });
    nowMs += HOUR_MS - 1;
    expect(await cachedTasksOf({ nowMs: () => nowMs })).toEqual(['security', 'style', 'summary']);
    nowMs += 1;
    const third = await run({ nowMs: () => nowMs });
    expect([...completions(third).values()].some((event) => event.cached === true)).toBe(false);
    expect(new Set(store.resultCache.list({}, nowMs).map((row) => row.runId))).toEqual(new Set([third.outcome.runId]));
    expect(third.outcome.runId).not.toBe(first.outcome.runId);
  });

  it('never caches an agent with Write under edit, with Bash under full, or a command agent', { timeout: TEST_TIMEOUT_MS }, async () => {
    writeFileSync(join(agentsDir, 'editor.md'), '---\nname: editor\ndescription: Edits\nruntime: simulated\ntools: Read, Glob, Grep, Write, Edit\n---\nYou edit.\n');
    writeFileSync(join(agentsDir, 'tester.md'), '---\nname: tester\ndescription: Tests\nruntime: simulated\ntools: Read, Glob, Grep, Bash\n---\nYou test.\n');
    writeFileSync(join(agentsDir, 'lister.md'), '---\nname: lister\ndescription: Lists\nruntime: command\ncommand: ["ls"]\ntools: Read\n---\nLists files.\n');
    await run({ tasks: [{ id: 'edit', agentName: 'editor', prompt: 'Edit' }], permissions: 'edit' });
    await run({ tasks: [{ id: 'test', agentName: 'tester', prompt: 'Test' }], permissions: 'full' });
    await run({ tasks: [{ id: 'list', agentName: 'lister', prompt: 'List' }], permissions: 'read' });
    expect(store.resultCache.list({}, Date.now())).toEqual([]);
    // The same tester where it cannot run Bash is read-only, and cached.
    await run({ tasks: [{ id: 'test', agentName: 'tester', prompt: 'Test' }], permissions: 'edit' });
    expect(store.resultCache.list({}, Date.now()).map((row) => row.agentName)).toEqual(['tester']);
  });

  it('without cache config nothing is stored', { timeout: TEST_TIMEOUT_MS }, async () => {
    const result = await run({ cache: undefined });
    expect(result.outcome.status).toBe('succeeded');
    expect(store.resultCache.list({}, Date.now())).toEqual([]);
  });

  it('an attempt that sent an agent message, or failed, is not stored', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startOpenAiChatToolServer({
      models: ['qwen2.5-coder'],
      turns: [[{ type: 'text', text: 'ok' }]],
      turnsFor: (body) => (JSON.stringify(body.messages).includes('Tell the security reviewer') ? [[{ type: 'text', text: 'Noted. <AGENT_MESSAGE to="security-reviewer">check the auth module</AGENT_MESSAGE>' }]] : [[{ type: 'text', text: 'ok' }]]),
    });
    try {
      writeFileSync(join(agentsDir, 'style-reviewer.md'), reviewer('style-reviewer', 'style').replace('runtime: simulated\n', ''));
      const ensembleConfig = { provider: 'openai-compatible' as const, providers: { 'openai-compatible': { baseURL: server.baseUrl } }, model: 'qwen2.5-coder', tiers: {}, costs: {} };
      const tasks: TaskInput[] = [
        { id: 'style', agentName: 'style-reviewer', prompt: 'Tell the security reviewer what to look at' },
        { id: 'security', agentName: 'security-reviewer', prompt: 'Review src/', dependencies: ['style'] },
      ];
      const result = await run({ tasks, ensembleConfig });
      expect(result.outcome.status).toBe('succeeded');
      expect(result.events.filter((event) => event.type === 'agent:message')).toHaveLength(1);
      expect(store.resultCache.list({}, Date.now()).map((row) => row.taskId)).toEqual(['security']);
    } finally {
      await server.close();
    }
    // A provider that is gone: the llm task fails, nothing is stored for it.
    const failing = await run({
      tasks: [{ id: 'style', agentName: 'style-reviewer', prompt: 'Review', retry: { max: 0 } }],
      ensembleConfig: { provider: 'openai-compatible', providers: { 'openai-compatible': { baseURL: 'http://127.0.0.1:9/v1' } }, model: 'qwen2.5-coder', tiers: {}, costs: {} },
    });
    expect(failing.outcome.status).toBe('failed');
    expect(store.resultCache.list({ agentName: 'style-reviewer' }, Date.now())).toEqual([]);
  });

  it('two processes running the same workflow at once both succeed, and the table stays whole', { timeout: TEST_TIMEOUT_MS }, async () => {
    const child = fileURLToPath(new URL('./helpers/result-cache-run-child.ts', import.meta.url));
    const viteNode = fileURLToPath(new URL('../node_modules/.bin/vite-node', import.meta.url));
    const racers = ['a', 'b'].map((name) => {
      const racer = spawn(viteNode, [child], {
        env: { ...process.env, RACE_FOLDER: folder, RACE_NAME: name, RACE_DB: store.path, RACE_WORKSPACE: workspace, RACE_AGENTS: agentsDir, RACE_HOME: homeDir },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      racer.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<string>((resolve, reject) => {
        racer.on('error', reject);
        racer.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`racer ${name} exited with ${String(code)}: ${output}`))));
      });
      return { racer, exited };
    });
    try {
      for (let waits = 0; waits < 600 && !['a', 'b'].every((name) => existsSync(join(folder, `ready-${name}`))); waits++) await delay(100);
      writeFileSync(join(folder, 'go'), '');
      const results = (await Promise.all(racers.map(({ exited }) => exited))).map((output) => JSON.parse(output.trim().split('\n').at(-1)!) as { status: string; runId: string });
      expect(results.map((result) => result.status)).toEqual(['succeeded', 'succeeded']);
      const rows = store.resultCache.list({}, Date.now());
      expect(rows.map((row) => row.taskId).sort()).toEqual(['security', 'style', 'summary']);
      // Whoever stored last, a third run is served whole from the table.
      expect(await cachedTasksOf()).toEqual(['security', 'style', 'summary']);
    } finally {
      for (const { racer } of racers) if (racer.exitCode === null) racer.kill('SIGKILL');
    }
  });

  it('`cache list` shows the entries; `cache clear --agent x` removes only those; bad input exits 2', { timeout: TEST_TIMEOUT_MS }, async () => {
    const first = await run();
    await run();
    const list = await runCli(['--db', store.path, '--json', 'cache', 'list'], { cwd: folder });
    expect(list.code).toBe(0);
    const listed = (JSON.parse(list.stdout) as { entries: { agentName: string; runId: string; taskId: string; hits: number; tokensSaved: number; tokensUsed: number; workspace: string; key: string }[] }).entries;
    expect(listed.map((entry) => entry.agentName).sort()).toEqual(['consolidator', 'security-reviewer', 'style-reviewer']);
    for (const entry of listed) expect(entry).toMatchObject({ runId: first.outcome.runId, hits: 1, tokensSaved: entry.tokensUsed, workspace });

    const table = await runCli(['--db', store.path, 'cache', 'list', '--agent', 'style-reviewer'], { cwd: folder, env: { COLUMNS: '200' } });
    expect(table.stdout).toContain('KEY');
    expect(table.stdout).toContain(`${first.outcome.runId}/style`);
    expect(table.stdout).toContain(listed.find((entry) => entry.agentName === 'style-reviewer')!.key.slice(0, 12));
    expect(table.stdout).not.toContain('security-reviewer');

    const cleared = await runCli(['--db', store.path, 'cache', 'clear', '--agent', 'style-reviewer'], { cwd: folder });
    expect(cleared).toMatchObject({ code: 0, stdout: 'removed 1 cached result of agent style-reviewer\n' });
    expect(store.resultCache.list({}, Date.now()).map((row) => row.agentName).sort()).toEqual(['consolidator', 'security-reviewer']);
    const expired = await runCli(['--db', store.path, '--json', 'cache', 'clear', '--expired'], { cwd: folder });
    expect(JSON.parse(expired.stdout)).toEqual({ removed: 0, expiredOnly: true });

    const bad = await runCli(['--db', store.path, 'cache', 'clear', '--agent', '../x'], { cwd: folder });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--agent: "../x" is not an agent name');
    expect(store.resultCache.list({}, Date.now())).toHaveLength(2);
  });
});
