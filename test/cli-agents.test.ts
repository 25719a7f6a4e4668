import { mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent, RunEventOf } from '../src/core/index.js';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import { openRunStore } from '../src/store/index.js';
import { makeTempDir, parseNdjson, runCli } from './helpers/cli.js';
import { fakeCliLogPath, readFakeCliLog, writeFakeClis } from './helpers/fake-clis.js';

// The shipped definitions (agents/claude-code.md, gemini-cli.md, codex.md, aider.md) run against
// fake CLIs found on PATH, through the real orchestrator, command runtime and SQLite journal.

const HOSTILE_PROMPT = [
  'Fix the bug $(touch pwned-dollar) and `touch pwned-backtick`; touch pwned-semicolon && echo "double" \'single\' > pwned-redirect',
  'second line | touch pwned-pipe',
  '\ttabbed "quoted \\"escaped\\"" $HOME ${PATH} * ? ~ # not a comment',
].join('\n');

let root: string;
let binDir: string;
let workspace: string;
let agentsDir: string;
let log: string;
let db: string;
const originalPath = process.env.PATH;

beforeAll(() => {
  root = makeTempDir('ensemble-cli-agents-');
  binDir = writeFakeClis(root);
  log = fakeCliLogPath(root);
  process.env.PATH = `${binDir}${delimiter}${originalPath ?? ''}`;
  agentsDir = join(root, 'agents');
  mkdirSync(agentsDir);
  // Any argv template: an absolute path (format inferred from the program's name) and a stdin-fed CLI.
  writeFileSync(
    join(agentsDir, 'echo-claude.md'),
    `---\nname: echo-claude\ndescription: Claude Code stand-in that answers with its prompt\nruntime: cli\ncommand: ${JSON.stringify([join(binDir, 'claude'), '-p', '{prompt}', '--output-format', 'json', '--echo'])}\n---\nTest agent.\n`,
  );
  writeFileSync(
    join(agentsDir, 'stdin-cli.md'),
    `---\nname: stdin-cli\ndescription: A CLI that reads its prompt on stdin\nruntime: cli\ncommand: ${JSON.stringify([join(binDir, 'aider'), '--echo'])}\n---\nTest agent.\n`,
  );
  writeFileSync(
    join(agentsDir, 'claude-as-text.md'),
    `---\nname: claude-as-text\ndescription: Claude Code JSON read as plain text on purpose\nruntime: cli\noutputFormat: text\ncommand: ${JSON.stringify(['claude', '-p', '{prompt}', '--output-format', 'json'])}\n---\nTest agent.\n`,
  );
});

afterAll(() => {
  process.env.PATH = originalPath;
});

beforeEach(() => {
  workspace = makeTempDir('ensemble-cli-workspace-');
  rmSync(log, { force: true });
  db = join(root, `journal-${Date.now()}-${Math.random().toString(36).slice(2)}.db`);
});

async function runTask(agentName: string, prompt: string) {
  const events: RunEvent[] = [];
  const orchestrator = new AgentOrchestrator({ store: db, workspaceDir: workspace, agentDirs: [agentsDir] });
  orchestrator.on('*', (event) => void events.push(event));
  orchestrator.addTasks([{ id: 'work', agentName, prompt }]);
  const outcome = await orchestrator.execute();
  const complete = events.find((event): event is RunEventOf<'task:complete'> => event.type === 'task:complete');
  const error = events.find((event): event is RunEventOf<'task:error'> => event.type === 'task:error');
  return { outcome, events, complete, error, calls: readFakeCliLog(log) };
}

describe('cli runtime with the shipped coding-agent definitions (fake CLIs on PATH)', () => {
  it('claude-code: reads the JSON result; usage and cost reach task:complete, the summary and the journal', async () => {
    const { outcome, complete, calls } = await runTask('claude-code', 'Add a login form');
    expect(outcome.status).toBe('succeeded');
    expect(complete).toMatchObject({
      output: 'answer from claude: Add a login form',
      usage: { inputTokens: 510, outputTokens: 45, totalTokens: 555 },
      tokensUsed: 555,
      costUsd: 0.0123,
      model: 'claude-sonnet-4-5-20250929',
      evidence: { runtime: 'cli', exitCode: 0, outputFormat: 'claude-json', permissions: 'edit', command: ['claude', '-p', '--output-format', 'json', '{permissions}'] },
    });
    expect(complete?.evidence?.outputNote).toBeUndefined();
    expect(outcome.summary).toMatchObject({ totalTokens: 555, totalCost: 0.0123 });
    // Run in the workspace, the prompt on stdin (never parsed as a flag), the edit ceiling as Claude Code's acceptEdits mode.
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: 'claude', args: ['-p', '--output-format', 'json', '--permission-mode', 'acceptEdits'], stdin: 'Add a login form', cwd: realpathSync(workspace) });
    const store = openRunStore(db);
    try {
      expect(store.listTasks(outcome.runId)[0]).toMatchObject({ usage: { totalTokens: 555 }, costUsd: 0.0123, evidence: { outputFormat: 'claude-json' } });
    } finally {
      store.close();
    }
  });

  it('claude-code: is_error fails the task with Claude Code\'s own message', async () => {
    const { outcome, error, complete } = await runTask('claude-code', 'FAIL please');
    expect(outcome.status).toBe('failed');
    expect(complete).toBeUndefined();
    expect(error?.error).toMatchObject({ code: 'AGENT_FAILED', retryable: true });
    expect(error?.error.message).toBe('agent "claude-code" reported an error: API Error: 529 {"type":"overloaded_error"}');
    expect(error?.error.details).toMatchObject({ outputFormat: 'claude-json', exitCode: 1, costUsd: 0.0123 });
  });

  it('gemini-cli: reads response and stats; the error object it writes to stderr fails the task, readable', async () => {
    const ok = await runTask('gemini-cli', 'Explain the build');
    expect(ok.complete).toMatchObject({
      output: 'answer from gemini: Explain the build',
      usage: { inputTokens: 80, outputTokens: 25, totalTokens: 105 },
      model: 'gemini-2.5-pro',
      evidence: { outputFormat: 'gemini-json' },
    });
    expect(ok.calls[0]).toMatchObject({ args: ['--output-format', 'json', '--skip-trust', '--approval-mode', 'auto_edit'], stdin: 'Explain the build' });
    const failed = await runTask('gemini-cli', 'FAIL now');
    expect(failed.error?.error).toMatchObject({
      code: 'AGENT_FAILED',
      message: 'agent "gemini-cli" reported an error: Quota exceeded for gemini-2.5-pro (429)',
      retryable: true,
      details: { category: 'rate-limit', status: 429, exitCode: 173 },
    });
  });

  it('codex: reads the JSONL events (last agent message, turn usage); turn.failed fails the task', async () => {
    const ok = await runTask('codex', 'Refactor utils');
    expect(ok.complete).toMatchObject({
      output: 'answer from codex: Refactor utils',
      usage: { inputTokens: 700, outputTokens: 33, totalTokens: 733 },
      costUsd: 0,
      evidence: { outputFormat: 'codex-jsonl' },
    });
    expect(ok.calls[0]).toMatchObject({ args: ['exec', '--json', '--skip-git-repo-check', '--sandbox', 'workspace-write', '-'], stdin: 'Refactor utils' });
    const failed = await runTask('codex', 'FAIL');
    expect(failed.error?.error.message).toBe('agent "codex" reported an error: stream disconnected before completion: rate limit reached');
  });

  it('aider: plain text output; a non-zero exit fails with the last stderr line', async () => {
    const ok = await runTask('aider', 'Create hello.js');
    expect(ok.complete).toMatchObject({
      output: 'Aider v0.86.1\nApplied edit to hello.js\nanswer from aider: Create hello.js\n',
      usage: { totalTokens: 0 },
      evidence: { outputFormat: 'text' },
    });
    expect(ok.calls[0]?.args).toEqual(['--message', 'Create hello.js', '--yes-always', '--no-pretty']);
    const failed = await runTask('aider', 'FAIL');
    expect(failed.error?.error).toMatchObject({ code: 'AGENT_EXIT_NONZERO', message: 'agent "aider" exited with code 1: litellm.AuthenticationError: invalid api key' });
  });

  it('falls back to the raw text when JSON was expected but not printed, and says so in the evidence', async () => {
    const { outcome, complete } = await runTask('claude-code', 'PLAIN answer please');
    expect(outcome.status).toBe('succeeded');
    expect(complete?.output).toBe('Here is a plain answer, not JSON.\n');
    expect(complete?.usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
    expect(complete?.evidence?.outputFormat).toBe('claude-json');
    expect(complete?.evidence?.outputNote).toMatch(/^output is not readable as claude-json \(not JSON .*\); the raw text is the output$/);
  });

  it('honours an explicit outputFormat: text keeps the JSON as it was printed', async () => {
    const { complete } = await runTask('claude-as-text', 'Hello');
    expect(JSON.parse(complete!.output)).toMatchObject({ type: 'result', result: 'answer from claude: Hello' });
    expect(complete?.evidence?.outputFormat).toBe('text');
  });

  it('passes a hostile prompt literally as one argv element and nothing runs in a shell', async () => {
    for (const agentName of ['claude-code', 'codex', 'aider', 'echo-claude']) {
      const { outcome, calls, complete } = await runTask(agentName, HOSTILE_PROMPT);
      expect(outcome.status, agentName).toBe('succeeded');
      const call = calls.at(-1)!;
      // The coding-CLI presets take the prompt on stdin (never parsed as a flag); aider and echo-claude as one argument.
      const isOnStdin = agentName === 'claude-code' || agentName === 'codex';
      expect(call.args.filter((argument) => argument === HOSTILE_PROMPT), agentName).toHaveLength(isOnStdin ? 0 : 1);
      expect(call.stdin, agentName).toBe(isOnStdin ? HOSTILE_PROMPT : '');
      if (agentName === 'echo-claude') expect(complete?.output).toBe(HOSTILE_PROMPT);
      expect(readdirSync(workspace).filter((name) => name.startsWith('pwned')), agentName).toEqual([]);
    }
    for (const folder of [root, binDir, agentsDir, process.cwd()]) {
      expect(readdirSync(folder).filter((name) => name.startsWith('pwned')), folder).toEqual([]);
    }
  });

  it('regression #6: each preset receives the keys and base URLs it declares, and no other secret', async () => {
    const secrets: Record<string, string> = {
      ANTHROPIC_API_KEY: 'sk-ant', ANTHROPIC_BASE_URL: 'http://127.0.0.1:1', GEMINI_API_KEY: 'gm', GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:2',
      OPENAI_API_KEY: 'sk-oai', OPENAI_BASE_URL: 'http://127.0.0.1:3', ENSEMBLE_TOKEN: 'server-token', GITHUB_TOKEN: 'ghp', AWS_SECRET_ACCESS_KEY: 'aws',
    };
    const saved = Object.fromEntries(Object.keys(secrets).map((name) => [name, process.env[name]]));
    Object.assign(process.env, secrets);
    try {
      const seen: Record<string, readonly string[]> = {};
      for (const agentName of ['claude-code', 'gemini-cli', 'codex', 'aider']) {
        const { calls } = await runTask(agentName, 'Hello');
        seen[agentName] = calls.at(-1)!.secrets.filter((name) => name in secrets);
      }
      expect(seen).toEqual({
        'claude-code': ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'],
        'gemini-cli': ['GEMINI_API_KEY', 'GOOGLE_GEMINI_BASE_URL'],
        codex: ['OPENAI_API_KEY'],
        aider: ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'GEMINI_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL'],
      });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('gives a CLI without {prompt} in its argv the prompt on stdin', async () => {
    const { complete, calls } = await runTask('stdin-cli', HOSTILE_PROMPT);
    expect(calls[0]).toMatchObject({ name: 'aider', args: ['--echo'], stdin: HOSTILE_PROMPT });
    expect(complete?.output).toBe(`Aider v0.86.1\nApplied edit to hello.js\n${HOSTILE_PROMPT}\n`);
    expect(readdirSync(workspace).filter((name) => name.startsWith('pwned'))).toEqual([]);
  });

  it('ensemble run: a workflow of claude-code and codex tasks reports their tokens and cost in the summary', async () => {
    const workflow = join(workspace, 'workflow.json');
    writeFileSync(
      workflow,
      JSON.stringify({
        name: 'cli agents',
        tasks: [
          { id: 'implement', agentName: 'claude-code', prompt: HOSTILE_PROMPT },
          { id: 'review', agentName: 'codex', prompt: 'Review the change', dependencies: ['implement'] },
        ],
      }),
    );
    const result = await runCli(['run', workflow, '--json', '--db', db], { cwd: workspace, env: { PATH: process.env.PATH } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const completes = events.filter((event) => event.type === 'task:complete');
    expect(completes.map((event) => [event.taskId, event.tokensUsed, event.costUsd])).toEqual([
      ['implement', 555, 0.0123],
      ['review', 733, 0],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', summary: { totalTokens: 1288, totalCost: 0.0123 } });
    expect(readFakeCliLog(log)[0]?.stdin).toBe(HOSTILE_PROMPT);
    expect(readdirSync(workspace).filter((name) => name.startsWith('pwned'))).toEqual([]);
    // What Codex reported doing is kept in the journal and shown per task (issue 12: the store used to drop it).
    const runId = String(events[0]!.runId);
    const shown = await runCli(['runs', 'show', runId, '--db', db], { cwd: workspace, env: { PATH: process.env.PATH, NO_COLOR: '1' } });
    expect(shown.stdout).toContain(`review\n  files changed: ${join(realpathSync(workspace), 'utils.js')} (update)\n  commands: /bin/bash -lc 'npm test' → 0`);
    const shownJson = await runCli(['runs', 'show', runId, '--db', db, '--json'], { cwd: workspace, env: { PATH: process.env.PATH } });
    const review = (JSON.parse(shownJson.stdout) as { tasks: { taskId: string; evidence?: Record<string, unknown> }[] }).tasks.find((task) => task.taskId === 'review');
    expect(review?.evidence).toMatchObject({ permissions: 'edit', commands: [{ command: "/bin/bash -lc 'npm test'", exitCode: 0 }] });
  });

  it('ensemble run feature --agent ROLE=AGENT: one coding CLI per role of a template', async () => {
    const args = ['run', 'feature', '--param', 'feature=a login form', '--json', '--db', db, '--agent', 'developer=claude-code', '--agent', 'tester=gemini-cli', '--agent', 'reviewer=codex'];
    const result = await runCli(args, { cwd: workspace, env: { PATH: process.env.PATH, ENSEMBLE_SIMULATED_LATENCY_MS: '0' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const agentOf = Object.fromEntries(events.filter((event) => event.type === 'task:added').map((event) => [event.taskId, event.agentName]));
    expect(agentOf).toEqual({ analyze: 'analyzer', design: 'designer', implement: 'claude-code', test: 'gemini-cli', review: 'codex' });
    const outputs = Object.fromEntries(events.filter((event) => event.type === 'task:complete').map((event) => [event.taskId, String(event.output)]));
    expect(outputs.implement).toMatch(/^answer from claude: /);
    expect(outputs.test).toMatch(/^answer from gemini: /);
    expect(outputs.review).toMatch(/^answer from codex: /);
    const typo = await runCli(['run', 'feature', '--param', 'feature=x', '--db', db, '--agent', 'devloper=codex'], { cwd: workspace, env: { PATH: process.env.PATH } });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--agent: no task of this workflow runs on "devloper"; its agents are analyzer, designer, developer, reviewer, tester');
  });
});
