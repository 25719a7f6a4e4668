import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepository } from './helpers/git-repository.js';
import { makeTempDir, parseNdjson, repoRoot, runCli } from './helpers/cli.js';
import { commandInvocation } from './helpers/process-agents.js';
import { ensureRealClis } from './helpers/real-clis.js';
import { createCommandRuntime, parseAgentDefinition } from '../src/agents/index.js';
import { FINAL_TEXT, startGoogleGenerateServer } from './helpers/wire/google-generate-server.js';
import type { GoogleGenerateServer, GoogleGenerateServerOptions } from './helpers/wire/google-generate-server.js';

// The shipped agents/gemini-cli.md run by `ensemble run` against the real Gemini CLI 0.61, which
// talks to a scripted Google Generative Language server on 127.0.0.1 (issue 12). Each case has its
// own HOME (Gemini CLI's settings and sessions) and a fresh, untrusted git workspace.

let binDir: string;
let server: GoogleGenerateServer | undefined;
const roots: string[] = [];

beforeAll(() => {
  binDir = ensureRealClis();
}, 300_000);

afterEach(async () => {
  await server?.close();
  server = undefined;
});

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

interface Case {
  readonly root: string;
  readonly home: string;
  readonly workspace: string;
}

/**
 * A temp HOME whose ~/.gemini/settings.json asks for one attempt per model call (no backoff in
 * tests) and no usage reports to Google. It selects no auth type: with GOOGLE_GEMINI_BASE_URL set,
 * Gemini CLI 0.61 would pick `gateway` and refuse to run headless (exit 41), so this checks that
 * ensemble selects the API key itself.
 */
function makeCase(): Case {
  const root = makeTempDir('ensemble-real-gemini-');
  roots.push(root);
  const home = join(root, 'home');
  mkdirSync(join(home, '.gemini'), { recursive: true });
  writeFileSync(
    join(home, '.gemini', 'settings.json'),
    JSON.stringify({ general: { maxAttempts: 1 }, privacy: { usageStatisticsEnabled: false } }),
  );
  const workspace = makeGitRepository(join(root, 'workspace'), { 'greeting.txt': 'hello\n' });
  mkdirSync(join(root, 'tmp'));
  return { root, home, workspace };
}

interface WorkflowTask {
  readonly id: string;
  readonly prompt: string;
  readonly agentName?: string;
  readonly timeoutMs?: number;
  readonly retry?: { readonly max: number; readonly backoffMs?: number };
}

async function runWorkflow(testCase: Case, tasks: readonly WorkflowTask[], options: { permissions?: string; agentsDir?: string; timeoutMs?: number } = {}) {
  const workflow = join(testCase.root, 'workflow.yaml');
  const lines = ['name: gemini real cli', 'tasks:'];
  for (const task of tasks) {
    lines.push(`  - id: ${task.id}`, `    agentName: ${task.agentName ?? 'gemini-cli'}`, `    prompt: ${JSON.stringify(task.prompt)}`);
    if (task.timeoutMs !== undefined) lines.push(`    timeoutMs: ${task.timeoutMs}`);
    if (task.retry !== undefined) lines.push(`    retry: {max: ${task.retry.max}, backoffMs: ${task.retry.backoffMs ?? 100}}`);
  }
  writeFileSync(workflow, `${lines.join('\n')}\n`);
  const args = ['run', workflow, '--json', '--db', join(testCase.root, 'journal.db')];
  if (options.permissions !== undefined) args.push('--permissions', options.permissions);
  if (options.agentsDir !== undefined) args.push('--agents-dir', options.agentsDir);
  const startedAt = Date.now();
  const result = await runCli(args, {
    cwd: testCase.workspace,
    timeoutMs: options.timeoutMs ?? 90_000,
    env: {
      HOME: testCase.home,
      PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
      // Gemini CLI writes error reports to the temp folder.
      TMPDIR: join(testCase.root, 'tmp'),
      GEMINI_API_KEY: 'test-gemini-key',
      GOOGLE_GEMINI_BASE_URL: server!.url,
    },
  });
  const events = parseNdjson(result.stdout);
  const ofType = (type: string) => events.filter((event) => event.type === type);
  return { result, events, ofType, elapsedMs: Date.now() - startedAt };
}

async function serve(options: GoogleGenerateServerOptions): Promise<GoogleGenerateServer> {
  server = await startGoogleGenerateServer(options);
  return server;
}

const modelOf = (url: string): string => /\/models\/([^/:?]+):/.exec(url)?.[1] ?? '';

describe('gemini-cli preset with the real Gemini CLI 0.61', () => {
  it('answers a workflow task: output, usage of every model, the main model only, no cost', async () => {
    const testCase = makeCase();
    const google = await serve({
      turns: [{ text: 'The build uses tsc.' }],
      mainUsage: { promptTokens: 1200, outputTokens: 30, thoughtsTokens: 10 },
      utilityUsage: { promptTokens: 300, outputTokens: 20, thoughtsTokens: 0 },
    });
    const { result, events, ofType } = await runWorkflow(testCase, [{ id: 'explain', prompt: 'Explain the build' }]);
    expect(result.code, result.stderr).toBe(0);
    const [main, ...more] = google.mainRequests();
    expect(more).toEqual([]);
    // The prompt arrived on stdin, after Gemini CLI's session context; the key in Google's header.
    expect(google.userTexts().at(-1)).toBe('Explain the build');
    expect(main!.headers['x-goog-api-key']).toBe('test-gemini-key');
    // The router's utility call is counted in the tokens but is not the task's model.
    const utilityCalls = google.requests.filter((request) => request.url.includes(':generateContent'));
    const complete = ofType('task:complete')[0];
    expect(complete).toMatchObject({
      taskId: 'explain',
      output: 'The build uses tsc.',
      model: modelOf(main!.url),
      costUsd: 0,
      usage: { inputTokens: 1200 + 300 * utilityCalls.length, outputTokens: 40 + 20 * utilityCalls.length },
      evidence: { runtime: 'cli', outputFormat: 'gemini-json', permissions: 'edit', exitCode: 0, failedToolCalls: 0, linesAdded: 0, linesRemoved: 0 },
    });
    expect(utilityCalls.length).toBeGreaterThan(0);
    expect(String(complete!.model)).not.toContain(modelOf(utilityCalls[0]!.url));
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', summary: { totalTokens: (complete!.usage as { totalTokens: number }).totalTokens, totalCost: 0 } });
  });

  it('edits under --permissions edit: a new file and a changed one are in the diff, the tool results go back', async () => {
    const testCase = makeCase();
    const google = await serve({
      turns: [
        {
          calls: [
            { name: 'write_file', args: { file_path: 'created.txt', content: 'made by gemini\n' } },
            { name: 'replace', args: { file_path: 'greeting.txt', instruction: 'Greet the world.', old_string: 'hello', new_string: 'hello world' } },
          ],
        },
        { text: 'Created created.txt and changed greeting.txt.' },
      ],
    });
    const { result, ofType } = await runWorkflow(testCase, [{ id: 'edit', prompt: 'Create created.txt and greet the world' }]);
    expect(result.code, result.stderr).toBe(0);
    expect(google.offeredTools()).toEqual(expect.arrayContaining(['write_file', 'replace']));
    expect(google.offeredTools()).not.toContain('run_shell_command');
    const returned = google.functionResponses();
    expect(returned.map(({ name }) => name)).toEqual(['write_file', 'replace']);
    expect(String(returned[0]!.response.output)).toContain('Successfully created and wrote to new file');
    expect(String(returned[1]!.response.output)).toContain('Successfully modified file');
    expect(readFileSync(join(testCase.workspace, 'created.txt'), 'utf8')).toBe('made by gemini\n');
    const complete = ofType('task:complete')[0] as { output: string; evidence: Record<string, unknown> };
    expect(complete.output).toBe('Created created.txt and changed greeting.txt.');
    expect(complete.evidence).toMatchObject({ linesAdded: 2, linesRemoved: 1, failedToolCalls: 0 });
    expect(complete.evidence.refusals).toBeUndefined();
    const diff = String(complete.evidence.diff);
    expect(diff).toContain('+++ b/created.txt');
    expect(diff).toContain('+made by gemini');
    expect(diff).toContain('+++ b/greeting.txt');
    expect(diff).toContain('+hello world');
  });

  it('fails a 401 at once with a readable authentication error, even with retries allowed', async () => {
    const testCase = makeCase();
    const google = await serve({ failWith: { status: 401, message: 'API key not valid. Please pass a valid API key.' } });
    const { result, ofType } = await runWorkflow(testCase, [{ id: 'explain', prompt: 'Explain the build', retry: { max: 2 } }]);
    expect(result.code).toBe(1);
    expect(ofType('task:start')).toHaveLength(1);
    expect(ofType('task:retry')).toEqual([]);
    expect(google.mainRequests()).toHaveLength(1);
    const error = (ofType('task:error')[0] as { error: { code: string; message: string; retryable: boolean; details: Record<string, unknown> } }).error;
    expect(error).toMatchObject({ code: 'AGENT_FAILED', retryable: false, details: { category: 'auth', status: 401, exitCode: 145 } });
    expect(error.message).toBe(
      'agent "gemini-cli" reported an error: API key not valid. Please pass a valid API key. (UNAUTHENTICATED 401) (an authentication error: check the key and base URL the agent receives; not retried)',
    );
  });

  it('passes prompts that start with "-" to the model as prompts, never as flags', async () => {
    const testCase = makeCase();
    const google = await serve({});
    const { result, ofType } = await runWorkflow(testCase, [
      { id: 'bullet', prompt: '- fix X\n- then Y' },
      { id: 'version', prompt: '--version' },
    ]);
    expect(result.code, result.stderr).toBe(0);
    const prompts = google.mainRequests().map((request) => {
      const texts = (request.body as { contents: { parts: { text?: string }[] }[] }).contents[0]!.parts.map((part) => part.text);
      return texts.at(-1);
    });
    expect(prompts.sort()).toEqual(['- fix X\n- then Y', '--version']);
    // Not Gemini CLI's version number: the model's answer.
    expect(ofType('task:complete').map((event) => [event.taskId, event.output]).sort()).toEqual([
      ['bullet', FINAL_TEXT],
      ['version', FINAL_TEXT],
    ]);
  });

  it('times out while Gemini CLI runs `sleep 300` in its shell, and leaves no process behind', async () => {
    const testCase = makeCase();
    const pidFile = join(testCase.root, 'shell-pids');
    const google = await serve({
      turns: [{ calls: [{ name: 'run_shell_command', args: { command: `echo $BASHPID >> ${pidFile}; sleep 300 & echo $! >> ${pidFile}; wait`, description: 'Wait.' } }] }],
    });
    const timeoutMs = 25_000;
    const { result, ofType, elapsedMs } = await runWorkflow(testCase, [{ id: 'wait', prompt: 'Wait five minutes', timeoutMs }], { permissions: 'full' });
    expect(result.code).toBe(1);
    expect(google.offeredTools()).toContain('run_shell_command');
    expect((ofType('task:error')[0] as { error: { code: string } }).error.code).toBe('TASK_TIMEOUT');
    // Promptly: SIGTERM, then SIGKILL after the grace period, not the 300 s of the sleep.
    expect(elapsedMs).toBeLessThan(timeoutMs + 20_000);
    // The shell had started (it wrote its pid and the sleep's), and neither is left.
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    expect(pids.filter((pid) => isRunning(pid))).toEqual([]);
    expect(processesIn(realpathSync(testCase.workspace))).toEqual([]);
  }, 90_000);

  it('stops it with /proc tracking too (no cgroup): the shell Gemini CLI started in its own session is killed', async () => {
    const testCase = makeCase();
    const pidFile = join(testCase.root, 'shell-pids');
    await serve({
      turns: [{ calls: [{ name: 'run_shell_command', args: { command: `echo $BASHPID >> ${pidFile}; sleep 300 & echo $! >> ${pidFile}; wait`, description: 'Wait.' } }] }],
    });
    const presetPath = join(repoRoot, 'agents', 'gemini-cli.md');
    const agent = parseAgentDefinition(readFileSync(presetPath, 'utf8'), presetPath);
    // The runtime builds the agent's environment from this process's.
    const overrides: Record<string, string> = {
      HOME: testCase.home,
      PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
      TMPDIR: join(testCase.root, 'tmp'),
      GEMINI_API_KEY: 'test-gemini-key',
      GOOGLE_GEMINI_BASE_URL: server!.url,
    };
    const saved = Object.fromEntries(Object.keys(overrides).map((name) => [name, process.env[name]]));
    Object.assign(process.env, overrides);
    const controller = new AbortController();
    const reason = new Error('stopped by the test');
    try {
      const attempt = createCommandRuntime({ processTracking: 'proc', killGraceMs: 1000 }).run(
        commandInvocation(agent, 'Wait five minutes', testCase.workspace, { permissions: 'full' }),
        controller.signal,
      );
      const settled = attempt.then(
        () => 'succeeded',
        (error: unknown) => error,
      );
      // Stop it as soon as the shell has written both pids.
      const deadline = Date.now() + 60_000;
      while (!(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().split('\n').length === 2) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      controller.abort(reason);
      expect(await settled).toBe(reason);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    expect(pids.filter((pid) => isRunning(pid))).toEqual([]);
    expect(processesIn(realpathSync(testCase.workspace))).toEqual([]);
  }, 90_000);

  it('reports an edit refused under --permissions read: the task fails, or with onRefusal: warn keeps the answer', async () => {
    const testCase = makeCase();
    const script: GoogleGenerateServerOptions = { turns: [{ calls: [{ name: 'write_file', args: { file_path: 'blocked.txt', content: 'nope\n' } }] }, { text: 'I wrote blocked.txt.' }] };
    let google = await serve(script);
    const refused = await runWorkflow(testCase, [{ id: 'write', prompt: 'Write blocked.txt' }], { permissions: 'read' });
    expect(refused.result.code).toBe(1);
    // Headless `default` mode does not even offer the tool; the call fails inside Gemini CLI.
    expect(google.offeredTools()).not.toContain('write_file');
    expect(String(google.functionResponses()[0]?.response.error)).toContain('Tool "write_file" not found');
    expect(existsSync(join(testCase.workspace, 'blocked.txt'))).toBe(false);
    const error = (refused.ofType('task:error')[0] as { error: { code: string; message: string; retryable: boolean } }).error;
    expect(error).toMatchObject({ code: 'AGENT_PERMISSION_DENIED', retryable: false });
    expect(error.message).toContain('was refused 1 tool call under --permissions read: write_file');

    await server?.close();
    google = await serve(script);
    const agentsDir = join(testCase.root, 'agents');
    mkdirSync(agentsDir);
    const preset = readFileSync(join(repoRoot, 'agents', 'gemini-cli.md'), 'utf8');
    writeFileSync(join(agentsDir, 'gemini-warn.md'), preset.replace('name: gemini-cli', 'name: gemini-warn').replace('runtime: cli', 'runtime: cli\nonRefusal: warn'));
    const warned = await runWorkflow(testCase, [{ id: 'write', prompt: 'Write blocked.txt', agentName: 'gemini-warn' }], { permissions: 'read', agentsDir });
    expect(warned.result.code, warned.result.stderr).toBe(0);
    expect(warned.ofType('task:complete')[0]).toMatchObject({
      output: 'I wrote blocked.txt.',
      evidence: { permissions: 'read', refusals: [{ tool: 'write_file' }], failedToolCalls: 1 },
    });
    expect(google.mainRequests()).toHaveLength(2);
  });
});

function isRunning(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Live processes whose working directory is `folder`: Gemini CLI and every shell it started run there. */
function processesIn(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || !isRunning(Number(entry))) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === folder) found.push(`${entry} ${readFileSync(`/proc/${entry}/cmdline`, 'latin1').replaceAll('\0', ' ')}`);
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}
