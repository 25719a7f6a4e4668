import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepository } from './helpers/git-repository.js';
import { isProcessGone, makeTempDir, parseNdjson, repoRoot, runCli } from './helpers/cli.js';
import { ensureRealClis } from './helpers/real-clis.js';
import { startAnthropicMessagesServer } from './helpers/wire/anthropic-messages-server.js';
import type { AnthropicMessagesServer, MessagesScript } from './helpers/wire/anthropic-messages-server.js';

// The shipped agents/claude-code.md run by `ensemble run` against the real Claude Code CLI
// (the release real-clis.ts names), pointed at a scripted Anthropic Messages server on loopback.
// Each case gets a temp HOME (Claude Code's config dir inside it) and a temp git repository.

/** A real model id: Claude Code prices its tokens from its own table, so the cost is not zero. */
const MODEL = 'claude-sonnet-4-5-20250929';
/** Sonnet 4.5 at $3 / $15 per million tokens: 100 in and 20 out per scripted reply. */
const COST_PER_REPLY_USD = 100 * 3e-6 + 20 * 15e-6;

let binDir: string;
const servers: AnthropicMessagesServer[] = [];

beforeAll(() => {
  binDir = ensureRealClis();
}, 300_000);

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Case {
  readonly folder: string;
  /** The git repository the task works in (real path: Claude Code reports real paths). */
  readonly workspace: string;
}

/** A temp folder (HOME, journal, workflow file) and a git repository in it with `a.txt` committed. */
function prepare(): Case {
  const folder = makeTempDir('ensemble-real-claude-');
  const repo = join(folder, 'repo');
  mkdirSync(join(folder, 'home'));
  return { folder, workspace: makeGitRepository(repo, { 'a.txt': 'hi\n' }) };
}

/** A scripted server replying as MODEL, closed after the test. */
async function serve(script: MessagesScript): Promise<AnthropicMessagesServer> {
  const server = await startAnthropicMessagesServer({ model: MODEL, ...script });
  servers.push(server);
  return server;
}

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  readonly events: Record<string, unknown>[];
}

/** `ensemble run <workflow.yaml> --json` in `c.folder` on `c.workspace`, with Claude Code first on PATH. */
async function runWorkflow(c: Case, server: AnthropicMessagesServer, tasks: readonly Record<string, unknown>[], extraArgs: readonly string[] = []): Promise<Run> {
  const workflow = join(c.folder, 'workflow.yaml');
  // JSON is YAML: the file is read as a user's workflow.yaml would be.
  writeFileSync(workflow, JSON.stringify({ name: 'real claude', tasks }, null, 2));
  const home = join(c.folder, 'home');
  // Nothing from the developer's own Claude set-up (keys, Bedrock, OAuth) may reach the CLI.
  const inherited = Object.fromEntries(Object.keys(process.env).filter((name) => /^(ANTHROPIC_|CLAUDE_|IS_SANDBOX$)/.test(name)).map((name) => [name, undefined]));
  const result = await runCli(['run', workflow, '--json', '--db', join(c.folder, 'journal.db'), '--workspace', c.workspace, ...extraArgs], {
    cwd: c.folder,
    timeoutMs: 90_000,
    env: {
      ...inherited,
      PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
      HOME: home,
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-key',
      ANTHROPIC_MODEL: MODEL,
      // No telemetry, error reports, update checks or session-title calls; no retries inside the CLI.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
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

describe('agents/claude-code.md with the real Claude Code CLI', { timeout: 60_000 }, () => {
  it('answers a plain prompt: output, usage, cost and model in the NDJSON events', async () => {
    const c = prepare();
    const server = await serve({ turns: [[{ type: 'text', text: 'Hello from the scripted model.' }]] });
    const run = await runWorkflow(c, server, [{ id: 'greet', agentName: 'claude-code', prompt: 'Say hello.' }]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.events[0]).toMatchObject({ type: 'workflow:start', taskCount: 1 });
    const complete = only(run, 'task:complete');
    expect(complete).toMatchObject({
      taskId: 'greet',
      agentName: 'claude-code',
      output: 'Hello from the scripted model.',
      usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
      tokensUsed: 120,
      model: MODEL,
      evidence: { runtime: 'cli', exitCode: 0, outputFormat: 'claude-json', permissions: 'edit', command: ['claude', '-p', '--output-format', 'json', '{permissions}'] },
    });
    expect(complete.costUsd).toBeCloseTo(COST_PER_REPLY_USD, 10);
    expect(run.events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded', summary: { totalTokens: 120, successfulTasks: 1 } });
    expect((run.events.at(-1)!.summary as { totalCost: number }).totalCost).toBeCloseTo(COST_PER_REPLY_USD, 10);
    // What reached the model: the prompt (on stdin), the key, the model; the main loop offers Claude Code's tools.
    expect(server.prompts()).toEqual(['Say hello.']);
    const [main] = server.mainRequests();
    expect(main).toMatchObject({ model: MODEL, stream: true });
    expect(main!.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['Read', 'Write', 'Edit', 'Bash']));
    expect(server.requests.find((request) => request.method === 'POST')?.headers['x-api-key']).toBe('sk-ant-test-key');
  });

  it('edits under --permissions edit: a created file and a changed one are both in the evidence diff', async () => {
    const c = prepare();
    const created = join(c.workspace, 'src', 'created.txt');
    const changed = join(c.workspace, 'a.txt');
    const script: MessagesScript = {
      turns: [
        // Claude Code edits only files it has read in the session.
        [{ type: 'text', text: 'Reading a.txt first.' }, { type: 'tool_use', id: 'toolu_read', name: 'Read', input: { file_path: changed } }],
        [
          { type: 'tool_use', id: 'toolu_write', name: 'Write', input: { file_path: created, content: 'made by claude\n' } },
          { type: 'tool_use', id: 'toolu_edit', name: 'Edit', input: { file_path: changed, old_string: 'hi', new_string: 'hello from claude' } },
        ],
        [{ type: 'text', text: 'Done: created src/created.txt and edited a.txt.' }],
      ],
    };
    const server = await serve(script);
    const run = await runWorkflow(c, server, [{ id: 'edit', agentName: 'claude-code', prompt: 'Create src/created.txt and greet in a.txt.' }]);
    expect(run.code).toBe(0);
    // The tool results came back to the model: the file read, both edits made.
    const results = new Map(server.toolResults().map((result) => [result.toolUseId, result]));
    expect(results.get('toolu_read')).toMatchObject({ isError: false, content: expect.stringContaining('hi') });
    expect(results.get('toolu_write')).toMatchObject({ isError: false });
    expect(results.get('toolu_edit')).toMatchObject({ isError: false });
    expect(readFileSync(created, 'utf8')).toBe('made by claude\n');
    expect(readFileSync(changed, 'utf8')).toBe('hello from claude\n');
    const complete = only(run, 'task:complete');
    expect(complete).toMatchObject({ output: 'Done: created src/created.txt and edited a.txt.', evidence: { permissions: 'edit' } });
    const diff = String((complete.evidence as { diff?: string }).diff);
    expect(diff).toContain('src/created.txt');
    expect(diff).toContain('+made by claude');
    expect(diff).toContain('-hi');
    expect(diff).toContain('+hello from claude');
    expect((complete.evidence as { refusals?: unknown }).refusals).toBeUndefined();
    // Three main-loop replies, each priced.
    expect(complete.costUsd).toBeCloseTo(3 * COST_PER_REPLY_USD, 10);
  });

  it('fails a 401 at once with a readable auth message: one attempt despite retry: {max: 2}, exit 1', async () => {
    const c = prepare();
    const server = await serve({ turns: [[{ type: 'text', text: 'unreachable' }]], failure: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' } });
    const run = await runWorkflow(c, server, [{ id: 'denied', agentName: 'claude-code', prompt: 'Say hello.', retry: { max: 2, backoffMs: 10 } }]);
    expect(run.code).toBe(1);
    expect(eventsOf(run, 'task:retry')).toEqual([]);
    const error = only(run, 'task:error');
    expect(error).toMatchObject({ attempt: 1, error: { code: 'AGENT_FAILED', retryable: false, details: { category: 'auth', status: 401, exitCode: 1 } } });
    expect((error.error as { message: string }).message).toBe(
      'agent "claude-code" reported an error: Invalid API key · Fix external API key (an authentication error: check the key and base URL the agent receives; not retried)',
    );
    expect(server.mainRequests()).toHaveLength(1);
    expect(run.events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'failed' });
  });

  it('passes prompts starting with "-" to the model as prompts, not flags', async () => {
    const c = prepare();
    const server = await serve({ turns: [[{ type: 'text', text: 'Fixed.' }]] });
    const run = await runWorkflow(c, server, [
      { id: 'bullet', agentName: 'claude-code', prompt: '- fix X' },
      { id: 'version', agentName: 'claude-code', prompt: '--version' },
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
    const server = await serve({
      turns: [[{ type: 'tool_use', id: 'toolu_sleep', name: 'Bash', input: { command: `echo $$ > ${pidFile}; sleep ${marker}`, description: 'Wait for the build' } }], [{ type: 'text', text: 'Waited.' }]],
    });
    const startedAt = Date.now();
    const run = await runWorkflow(c, server, [{ id: 'slow', agentName: 'claude-code', prompt: 'Wait for the build.', timeoutMs: 8000 }], ['--permissions', 'full']);
    const elapsedMs = Date.now() - startedAt;
    expect(run.code).toBe(1);
    expect(only(run, 'task:error')).toMatchObject({ error: { code: 'TASK_TIMEOUT' } });
    // 8 s of task, 2 s of grace before SIGKILL, and ensemble's own start.
    expect(elapsedMs).toBeLessThan(20_000);
    // The shell really ran (bypassPermissions works as root thanks to IS_SANDBOX=1), and it is gone.
    expect(existsSync(pidFile)).toBe(true);
    const shellPid = Number(readFileSync(pidFile, 'utf8').trim());
    const agentPids = eventsOf(run, 'agent:process').map((event) => Number(event.pid));
    expect(agentPids.length).toBeGreaterThan(0);
    for (const pid of [shellPid, ...agentPids]) expect(isProcessGone(pid), `process ${pid}`).toBe(true);
    expect(processesMentioning(marker)).toEqual([]);
  });

  it('reports an edit refused under --permissions read: the task fails naming Write, or warns with onRefusal: warn', async () => {
    const c = prepare();
    const target = join(c.workspace, 'refused.txt');
    const turns: MessagesScript['turns'] = [
      [{ type: 'tool_use', id: 'toolu_write', name: 'Write', input: { file_path: target, content: 'should not exist\n' } }],
      [{ type: 'text', text: 'Done: wrote refused.txt.' }],
    ];
    const server = await serve({ turns });
    const failed = await runWorkflow(c, server, [{ id: 'write', agentName: 'claude-code', prompt: 'Write refused.txt.' }], ['--permissions', 'read']);
    expect(failed.code).toBe(1);
    const error = only(failed, 'task:error');
    expect(error).toMatchObject({ error: { code: 'AGENT_PERMISSION_DENIED', retryable: false, details: { permissions: 'read', refusals: [{ tool: 'Write', detail: target }] } } });
    expect((error.error as { message: string }).message).toContain(`Write ${target}`);
    // Claude Code told the model; nothing was written.
    expect(server.toolResults()).toEqual([expect.objectContaining({ toolUseId: 'toolu_write', isError: true, content: expect.stringContaining("don't ask mode") })]);
    expect(existsSync(target)).toBe(false);

    // A copy of the preset that accepts refusals: the answer stands, the evidence lists the refusal.
    const agentsDir = join(c.folder, 'agents-warn');
    mkdirSync(agentsDir);
    const preset = readFileSync(join(repoRoot, 'agents', 'claude-code.md'), 'utf8');
    writeFileSync(join(agentsDir, 'claude-code-warn.md'), preset.replace('name: claude-code\n', 'name: claude-code-warn\nonRefusal: warn\n'));
    const warned = await runWorkflow(c, server, [{ id: 'write', agentName: 'claude-code-warn', prompt: 'Write refused.txt.' }], ['--permissions', 'read', '--agents-dir', agentsDir]);
    expect(warned.code).toBe(0);
    expect(only(warned, 'task:complete')).toMatchObject({
      output: 'Done: wrote refused.txt.',
      evidence: { permissions: 'read', refusals: [{ tool: 'Write', detail: target }] },
    });
    expect(existsSync(target)).toBe(false);
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
