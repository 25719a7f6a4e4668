import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepository } from './helpers/git-repository.js';
import { isProcessGone, makeTempDir, parseNdjson, repoRoot, runCli } from './helpers/cli.js';
import { ensureRealClis } from './helpers/real-clis.js';
import { startOpenAiResponsesServer } from './helpers/wire/openai-responses-server.js';
import type { OpenAiResponsesServer, ResponsesScript } from './helpers/wire/openai-responses-server.js';

// The shipped agents/codex.md run by `ensemble run` against the real Codex CLI (the release
// real-clis.ts names), pointed through a temp CODEX_HOME/config.toml at a scripted OpenAI Responses
// server on loopback (issue 12). Each case gets a temp HOME and CODEX_HOME and a temp git repository.

/** A model Codex 0.171 knows: it then offers `apply_patch` as a freeform tool, as with OpenAI's own models. */
const MODEL = 'gpt-5.5';
const API_KEY = 'sk-test-codex-key';

let binDir: string;
const servers: OpenAiResponsesServer[] = [];
const roots: string[] = [];

beforeAll(() => {
  binDir = ensureRealClis();
}, 300_000);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

interface Case {
  readonly folder: string;
  /** The git repository the task works in (real path: Codex reports real paths). */
  readonly workspace: string;
}

/** A temp folder (HOME, CODEX_HOME, journal, workflow file) and a git repository in it with `a.txt` committed. */
function prepare(): Case {
  const folder = makeTempDir('ensemble-real-codex-');
  roots.push(folder);
  const repo = join(folder, 'repo');
  mkdirSync(join(folder, 'home'));
  mkdirSync(join(folder, 'codex-home'));
  return { folder, workspace: makeGitRepository(repo, { 'a.txt': 'hi\n' }) };
}

/**
 * Codex's config.toml: a loopback provider speaking the Responses API with the key in
 * OPENAI_API_KEY, no retries inside Codex (ensemble's policy decides), and none of the start-up
 * traffic to github.com and chatgpt.com (plugin sync, metrics) so only the loopback server is reached.
 */
function writeCodexConfig(c: Case, server: OpenAiResponsesServer): void {
  const config = [
    `model = "${MODEL}"`,
    'model_provider = "local"',
    'check_for_update_on_startup = false',
    '',
    '[model_providers.local]',
    'name = "Local"',
    `base_url = "${server.baseUrl}"`,
    'env_key = "OPENAI_API_KEY"',
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[features]',
    'plugins = false',
    '',
  ].join('\n');
  writeFileSync(join(c.folder, 'codex-home', 'config.toml'), config);
}

/** A scripted server, closed after the test, named in the case's config.toml. */
async function serve(c: Case, script: ResponsesScript): Promise<OpenAiResponsesServer> {
  const server = await startOpenAiResponsesServer(script);
  servers.push(server);
  writeCodexConfig(c, server);
  return server;
}

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  readonly events: Record<string, unknown>[];
}

/** `ensemble run <workflow.yaml> --json` in `c.folder` on `c.workspace`, with Codex first on PATH. */
async function runWorkflow(c: Case, tasks: readonly Record<string, unknown>[], extraArgs: readonly string[] = []): Promise<Run> {
  const workflow = join(c.folder, 'workflow.yaml');
  // JSON is YAML: the file is read as a user's workflow.yaml would be.
  writeFileSync(workflow, JSON.stringify({ name: 'real codex', tasks }, null, 2));
  // Nothing from the developer's own Codex or OpenAI set-up may reach the CLI.
  const inherited = Object.fromEntries(Object.keys(process.env).filter((name) => /^(OPENAI_|CODEX_|RUST_LOG$)/.test(name)).map((name) => [name, undefined]));
  const result = await runCli(['run', workflow, '--json', '--db', join(c.folder, 'journal.db'), '--workspace', c.workspace, ...extraArgs], {
    cwd: c.folder,
    timeoutMs: 60_000,
    env: {
      ...inherited,
      PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
      HOME: join(c.folder, 'home'),
      CODEX_HOME: join(c.folder, 'codex-home'),
      OPENAI_API_KEY: API_KEY,
    },
  });
  return { code: result.code, stderr: result.stderr, events: parseNdjson(result.stdout) };
}

const eventsOf = (run: Run, type: string) => run.events.filter((event) => event.type === type);
const only = (run: Run, type: string) => {
  const found = eventsOf(run, type);
  expect(found, `${type} events`).toHaveLength(1);
  return found[0]!;
};

describe('agents/codex.md with the real Codex CLI', { timeout: 60_000 }, () => {
  it('answers a plain prompt: output, usage and a zero cost in the NDJSON events', async () => {
    const c = prepare();
    const server = await serve(c, { turns: [[{ type: 'message', text: 'Hello from the scripted model.' }]] });
    const run = await runWorkflow(c, [{ id: 'greet', agentName: 'codex', prompt: 'Say hello.' }]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.events[0]).toMatchObject({ type: 'workflow:start', taskCount: 1 });
    const complete = only(run, 'task:complete');
    // input_tokens (100) already holds the 40 cached ones, output_tokens (20) the 5 of reasoning.
    expect(complete).toMatchObject({
      taskId: 'greet',
      agentName: 'codex',
      output: 'Hello from the scripted model.',
      usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
      tokensUsed: 120,
      costUsd: 0,
      evidence: {
        runtime: 'cli',
        exitCode: 0,
        outputFormat: 'codex-jsonl',
        permissions: 'edit',
        command: ['codex', 'exec', '--json', '--skip-git-repo-check', '{permissions}', '-'],
      },
    });
    expect(run.events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded', summary: { totalTokens: 120, totalCost: 0, successfulTasks: 1 } });
    // What reached the model: the prompt (on stdin), the key, the configured model, Codex's tools, the workspace-write sandbox.
    expect(server.prompts()).toEqual(['Say hello.']);
    const [request] = server.responsesRequests();
    expect(request).toMatchObject({ model: MODEL, stream: true });
    expect(request!.tools).toEqual(expect.arrayContaining(['exec_command', 'apply_patch']));
    const post = server.requests.find((entry) => entry.method === 'POST')!;
    expect(post.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(String(post.headers['x-codex-turn-metadata'])).toContain('"sandbox_mode":"workspace-write"');
    expect(server.requests.every((entry) => entry.method === 'POST' && entry.url === '/v1/responses')).toBe(true);
  });

  it('edits under --permissions edit: a created file and a changed one are in the evidence diff and reported changes', async () => {
    const c = prepare();
    const patch = ['*** Begin Patch', '*** Add File: src/created.txt', '+made by codex', '*** Update File: a.txt', '@@', '-hi', '+hello from codex', '*** End Patch', ''].join('\n');
    const server = await serve(c, {
      turns: [
        [{ type: 'function_call', callId: 'call_read', name: 'exec_command', arguments: { cmd: 'cat a.txt' } }],
        [{ type: 'custom_tool_call', callId: 'call_patch', name: 'apply_patch', input: patch }],
        [{ type: 'message', text: 'Done: created src/created.txt and edited a.txt.' }],
      ],
    });
    const run = await runWorkflow(c, [{ id: 'edit', agentName: 'codex', prompt: 'Create src/created.txt and greet in a.txt.' }]);
    expect(run.code).toBe(0);
    // The tool results came back to the model: the file read through the sandboxed shell, the patch applied.
    const outputs = new Map(server.toolOutputs().map((output) => [output.callId, output]));
    expect(outputs.get('call_read')).toMatchObject({ type: 'function_call_output', output: expect.stringMatching(/Process exited with code 0[\s\S]*\nhi\n/) });
    expect(outputs.get('call_patch')).toMatchObject({ type: 'custom_tool_call_output', output: expect.stringContaining('Success. Updated the following files:\nA src/created.txt\nM a.txt') });
    expect(readFileSync(join(c.workspace, 'src', 'created.txt'), 'utf8')).toBe('made by codex\n');
    expect(readFileSync(join(c.workspace, 'a.txt'), 'utf8')).toBe('hello from codex\n');
    const complete = only(run, 'task:complete');
    expect(complete).toMatchObject({
      output: 'Done: created src/created.txt and edited a.txt.',
      // Three replies of 100 + 20 tokens.
      usage: { inputTokens: 300, outputTokens: 60, totalTokens: 360 },
      evidence: {
        permissions: 'edit',
        commands: [{ command: "/bin/bash -lc 'cat a.txt'", exitCode: 0 }],
      },
    });
    // Codex lists a patch's files in no set order.
    const reported = [...((complete.evidence as { reportedChanges?: { path: string }[] }).reportedChanges ?? [])].sort((left, right) => left.path.localeCompare(right.path));
    expect(reported).toEqual([
      { path: join(c.workspace, 'a.txt'), kind: 'update' },
      { path: join(c.workspace, 'src', 'created.txt'), kind: 'add' },
    ]);
    const diff = String((complete.evidence as { diff?: string }).diff);
    expect(diff).toContain('src/created.txt');
    expect(diff).toContain('+made by codex');
    expect(diff).toContain('-hi');
    expect(diff).toContain('+hello from codex');
    expect((complete.evidence as { refusals?: unknown }).refusals).toBeUndefined();
  });

  it('fails a 401 at once with a readable auth message: one attempt despite retry: {max: 2}, exit 1', async () => {
    const c = prepare();
    const server = await serve(c, {
      turns: [[{ type: 'message', text: 'unreachable' }]],
      failure: { status: 401, type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided: sk-test***-key. You can find your API key at https://platform.openai.com/account/api-keys.' },
    });
    const run = await runWorkflow(c, [{ id: 'denied', agentName: 'codex', prompt: 'Say hello.', retry: { max: 2, backoffMs: 10 } }]);
    expect(run.code).toBe(1);
    expect(eventsOf(run, 'task:retry')).toEqual([]);
    const error = only(run, 'task:error');
    expect(error).toMatchObject({ attempt: 1, error: { code: 'AGENT_FAILED', retryable: false, details: { category: 'auth', status: 401, exitCode: 1 } } });
    expect((error.error as { message: string }).message).toBe(
      `agent "codex" reported an error: unexpected status 401 Unauthorized: Incorrect API key provided: sk-test***-key. You can find your API key at https://platform.openai.com/account/api-keys., url: ${server.baseUrl}/responses, request id: req_scripted (an authentication error: check the key and base URL the agent receives; not retried)`,
    );
    expect(server.responsesRequests()).toHaveLength(1);
    expect(run.events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'failed' });
  });

  it('passes prompts starting with "-" to the model as prompts, not flags', async () => {
    const c = prepare();
    const server = await serve(c, { turns: [[{ type: 'message', text: 'Fixed.' }]] });
    const run = await runWorkflow(c, [
      { id: 'bullet', agentName: 'codex', prompt: '- fix X' },
      { id: 'version', agentName: 'codex', prompt: '--version' },
    ]);
    expect(run.code).toBe(0);
    const outputs = eventsOf(run, 'task:complete').map((event) => [event.taskId, event.output]);
    expect(Object.fromEntries(outputs)).toEqual({ bullet: 'Fixed.', version: 'Fixed.' });
    expect([...server.prompts()].sort()).toEqual(['- fix X', '--version']);
  });

  it('times out while its shell runs `sleep`: TASK_TIMEOUT promptly, and no process of it is left', async () => {
    const c = prepare();
    const marker = `300.${process.pid}${Date.now() % 100_000}`;
    const pidFile = join(c.folder, 'shell.pid');
    // Codex waits up to yield_time_ms (30 s at most) for the command before answering the model.
    const server = await serve(c, {
      turns: [[{ type: 'function_call', callId: 'call_sleep', name: 'exec_command', arguments: { cmd: `echo $$ > ${pidFile}; sleep ${marker}`, yield_time_ms: 30_000 } }], [{ type: 'message', text: 'Waited.' }]],
    });
    const startedAt = Date.now();
    const run = await runWorkflow(c, [{ id: 'slow', agentName: 'codex', prompt: 'Wait for the build.', timeoutMs: 6000 }], ['--permissions', 'full']);
    const elapsedMs = Date.now() - startedAt;
    expect(run.code).toBe(1);
    expect(only(run, 'task:error')).toMatchObject({ error: { code: 'TASK_TIMEOUT' } });
    // 6 s of task, 2 s of grace before SIGKILL, and ensemble's own start.
    expect(elapsedMs).toBeLessThan(16_000);
    // The shell really ran (danger-full-access: it wrote outside the workspace), and it is gone.
    expect(existsSync(pidFile)).toBe(true);
    expect(server.toolOutputs()).toEqual([]);
    const shellPid = Number(readFileSync(pidFile, 'utf8').trim());
    const agentPids = eventsOf(run, 'agent:process').map((event) => Number(event.pid));
    expect(agentPids.length).toBeGreaterThan(0);
    for (const pid of [shellPid, ...agentPids]) expect(isProcessGone(pid), `process ${pid}`).toBe(true);
    expect(processesMentioning(marker)).toEqual([]);
  });

  it('reports an edit and a write refused under --permissions read: the task fails naming apply_patch, or warns with onRefusal: warn', async () => {
    const c = prepare();
    const patch = ['*** Begin Patch', '*** Add File: refused.txt', '+should not exist', '*** End Patch', ''].join('\n');
    const turns: ResponsesScript['turns'] = [
      [{ type: 'custom_tool_call', callId: 'call_patch', name: 'apply_patch', input: patch }],
      [{ type: 'function_call', callId: 'call_touch', name: 'exec_command', arguments: { cmd: 'touch touched.txt' } }],
      [{ type: 'message', text: 'Done: wrote refused.txt.' }],
    ];
    const server = await serve(c, { turns });
    const failed = await runWorkflow(c, [{ id: 'write', agentName: 'codex', prompt: 'Write refused.txt.' }], ['--permissions', 'read']);
    expect(failed.code).toBe(1);
    const refusals = [
      { tool: 'apply_patch', detail: 'patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings' },
      { tool: 'exec_command', detail: 'a command stopped by the sandbox (read only file system)' },
    ];
    const error = only(failed, 'task:error');
    expect(error).toMatchObject({ error: { code: 'AGENT_PERMISSION_DENIED', retryable: false, details: { permissions: 'read', refusals } } });
    expect((error.error as { message: string }).message).toContain('was refused 2 tool calls under --permissions read: apply_patch patch rejected');
    // Codex told the model; nothing was written.
    const outputs = new Map(server.toolOutputs().map((output) => [output.callId, output.output]));
    expect(outputs.get('call_patch')).toBe('patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings');
    expect(outputs.get('call_touch')).toContain('Read-only file system');
    expect(existsSync(join(c.workspace, 'refused.txt'))).toBe(false);
    expect(existsSync(join(c.workspace, 'touched.txt'))).toBe(false);

    // A copy of the preset that accepts refusals: the answer stands, the evidence lists the refusals.
    const agentsDir = join(c.folder, 'agents-warn');
    mkdirSync(agentsDir);
    const preset = readFileSync(join(repoRoot, 'agents', 'codex.md'), 'utf8');
    writeFileSync(join(agentsDir, 'codex-warn.md'), preset.replace('name: codex\n', 'name: codex-warn\nonRefusal: warn\n'));
    const warned = await runWorkflow(c, [{ id: 'write', agentName: 'codex-warn', prompt: 'Write refused.txt.' }], ['--permissions', 'read', '--agents-dir', agentsDir]);
    expect(warned.code).toBe(0);
    expect(only(warned, 'task:complete')).toMatchObject({ output: 'Done: wrote refused.txt.', evidence: { permissions: 'read', refusals, failedToolCalls: 1 } });
    expect(existsSync(join(c.workspace, 'refused.txt'))).toBe(false);
  });
});

/** Pids whose command line contains `text` (the scan of /proc a leak check needs; this process excluded). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (commandLine.includes(text) && !isProcessGone(Number(entry))) found.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}
