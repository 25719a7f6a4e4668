import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEnsembleError, taskSpecSchema } from '../src/core/index.js';
import type { ActivityPayload, LeaseCheck, LeaseGuard, TaskRequest } from '../src/core/index.js';
import { createBuiltinTools } from '../src/tools/index.js';
import { AgentRegistry, LocalDispatcher, createLlmRuntime, parseAgentDefinition } from '../src/agents/index.js';
import { recordingDispatchContext } from './helpers/dispatch-context.js';
import { startOpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';
import type { ChatScriptedPart, OpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';

// Issue 10, `locks` mode at the tools: Write, Edit and Bash change only what the task holds a lease
// on, RequestLease asks for more. The guard is a port (the SQLite one is the ticket runner's); this
// file's is a small in-memory one.

/** Every test is bounded: a hung loop fails here instead of holding the suite. */
const TEST_TIMEOUT_MS = 30_000;

let workspace: string;
let server: OpenAiChatToolServer | undefined;
beforeEach(() => {
  workspace = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-leases-tools-')));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(workspace, { recursive: true, force: true });
});

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: workspace, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

/** A repository with three committed files: one the task holds, one nobody holds, one another task holds. */
function createRepository(): void {
  git('init', '-q');
  mkdirSync(join(workspace, 'src'));
  writeFileSync(join(workspace, 'src', 'mine.ts'), 'mine\n');
  writeFileSync(join(workspace, 'src', 'other.ts'), 'other\n');
  writeFileSync(join(workspace, 'src', 'theirs.ts'), 'theirs\n');
  git('add', '-A');
  git('commit', '-qm', 'start');
}

/** Whether `path` is `pattern` or under a `dir/**` pattern. */
function matches(path: string, pattern: string): boolean {
  return pattern.endsWith('/**') ? path.startsWith(pattern.slice(0, -2)) : path === pattern;
}

/** An in-memory guard: the task holds `held`; task T-2 holds `src/theirs.ts`. */
function createGuard(held: string[]): LeaseGuard {
  const others = new Map([['src/theirs.ts', 'T-2']]);
  return {
    async checkWrite(paths): Promise<LeaseCheck> {
      for (const path of paths) {
        if (held.some((pattern) => matches(path, pattern))) continue;
        const holder = others.get(path);
        return holder === undefined ? { ok: false, message: `you hold no lease on ${path}`, path } : { ok: false, message: `${path} is leased by ${holder}`, path, holder };
      }
      return { ok: true };
    },
    async request(patterns): Promise<LeaseCheck> {
      const taken = patterns.find((pattern) => [...others.keys()].some((path) => matches(path, pattern)));
      if (taken !== undefined) return { ok: false, message: `${taken} overlaps src/theirs.ts, leased by T-2`, holder: 'T-2' };
      held.push(...patterns);
      return { ok: true };
    },
    held: () => held,
  };
}

async function dispatch(turns: readonly (readonly ChatScriptedPart[])[], leases: LeaseGuard): Promise<{ readonly error?: unknown; readonly context: ReturnType<typeof recordingDispatchContext> }> {
  server = await startOpenAiChatToolServer({ turns });
  const llmRuntime = createLlmRuntime({
    provider: 'openai-compatible',
    providers: { 'openai-compatible': { baseURL: server.baseUrl } },
    model: 'qwen2.5-coder',
    outputIntervalMs: 0,
    tools: createBuiltinTools(),
    killGraceMs: 200,
    costs: { 'openai-compatible:*': { inputPerMillion: 0, outputPerMillion: 0 } },
  });
  const registry = new AgentRegistry();
  registry.register(parseAgentDefinition('---\nname: coder\ndescription: Works on code\ntools: Read, Write, Edit, Bash\n---\nYou work on the code.\n', 'test'));
  const dispatcher = new LocalDispatcher({ registry, inProcess: new Map(), llmRuntime, enableCommunication: false });
  const request: TaskRequest = {
    runId: 'run-leases',
    task: taskSpecSchema.parse({ id: 'work', agentName: 'coder', prompt: 'Do the work', maxTokens: 100 }),
    attempt: 1,
    executionId: 'run-leases:work:1',
    inputs: [],
    context: [],
    permissions: 'full',
  };
  const context = recordingDispatchContext(new AbortController().signal, workspace);
  try {
    await dispatcher.dispatch(request, { ...context, leases });
    return { context };
  } catch (error) {
    return { error, context };
  }
}

const refusals = (context: ReturnType<typeof recordingDispatchContext>) =>
  context.recorded.events.filter((event) => event.type === 'lease:refused').map((event) => event.payload as ActivityPayload<'lease:refused'>);

describe('file tools under leases (issue 10)', () => {
  it('refuses a Write to a path the task holds no lease on: the file untouched, the model told how to get it, a lease:refused journaled', { timeout: TEST_TIMEOUT_MS }, async () => {
    createRepository();
    const { error, context } = await dispatch(
      [[{ type: 'tool_call', name: 'Write', arguments: { file_path: 'src/other.ts', content: 'overwritten\n' } }], [{ type: 'text', text: 'could not write it' }]],
      createGuard(['src/mine.ts']),
    );
    expect(error).toBeUndefined();
    expect(readFileSync(join(workspace, 'src', 'other.ts'), 'utf8')).toBe('other\n');
    // The refusal is what the model reads in its next request.
    expect(server!.toolResults()[0]?.content).toBe('"src/other.ts" is not written: you hold no lease on src/other.ts; ask for it with the RequestLease tool or escalate with the Escalate tool');
    expect(refusals(context)).toEqual([{ tool: 'Write', path: 'src/other.ts' }]);
    // Under leases the model is offered RequestLease and Escalate, and its system prompt says what it holds.
    const [first] = server!.chatRequests();
    expect(first?.tools).toEqual(['Read', 'Write', 'Edit', 'Bash', 'Escalate', 'RequestLease']);
    expect(JSON.stringify(first?.messages)).toContain('you may change only the files you hold (`src/mine.ts`)');
  });

  it('RequestLease is granted for a free glob, and the Write after it goes through', { timeout: TEST_TIMEOUT_MS }, async () => {
    createRepository();
    const guard = createGuard(['src/mine.ts']);
    const { error, context } = await dispatch(
      [
        [{ type: 'tool_call', name: 'RequestLease', arguments: { paths: ['src/feature/**'] } }],
        [{ type: 'tool_call', name: 'Write', arguments: { file_path: 'src/feature/a.ts', content: 'a\n' } }],
        [{ type: 'tool_call', name: 'RequestLease', arguments: { paths: ['src/theirs.ts'] } }],
        [{ type: 'text', text: 'done' }],
      ],
      guard,
    );
    expect(error).toBeUndefined();
    const results = server!.toolResults().map((result) => result.content);
    expect(results[0]).toBe('granted: src/feature/**. You now hold: src/mine.ts, src/feature/**');
    expect(results[1]).toMatch(/^Created src\/feature\/a\.ts/);
    expect(results[2]).toBe('lease refused: src/theirs.ts overlaps src/theirs.ts, leased by T-2; work on other files, ask again later, or escalate with the Escalate tool');
    expect(readFileSync(join(workspace, 'src', 'feature', 'a.ts'), 'utf8')).toBe('a\n');
    expect(guard.held()).toEqual(['src/mine.ts', 'src/feature/**']);
    expect(refusals(context)).toEqual([]);
  });

  it('Bash: a leased change stays, an unleased one is reverted (a new file deleted), one held by another task is reported and left alone', { timeout: TEST_TIMEOUT_MS }, async () => {
    createRepository();
    const command = 'echo more >> src/mine.ts && echo more >> src/other.ts && echo new > src/fresh.ts && echo more >> src/theirs.ts';
    const { error, context } = await dispatch([[{ type: 'tool_call', name: 'Bash', arguments: { command } }], [{ type: 'text', text: 'ran it' }]], createGuard(['src/mine.ts']));
    expect(error).toBeUndefined();
    expect(readFileSync(join(workspace, 'src', 'mine.ts'), 'utf8')).toBe('mine\nmore\n');
    expect(readFileSync(join(workspace, 'src', 'other.ts'), 'utf8')).toBe('other\n');
    expect(existsSync(join(workspace, 'src', 'fresh.ts'))).toBe(false);
    expect(readFileSync(join(workspace, 'src', 'theirs.ts'), 'utf8')).toBe('theirs\nmore\n');
    const result = server!.toolResults()[0]?.content ?? '';
    expect(result).toContain('[file leases] Reverted 2 changes the command made without a lease: src/fresh.ts, src/other.ts');
    expect(result).toContain('To change them, ask for them with the RequestLease tool or escalate with the Escalate tool.');
    expect(result).toContain('leased by another task (which may be writing them now), so left as they are: src/theirs.ts (held by T-2)');
    expect(refusals(context)).toEqual([
      { tool: 'Bash', path: 'src/fresh.ts' },
      { tool: 'Bash', path: 'src/other.ts' },
    ]);
  });

  it('Bash under leases outside a git work tree is refused: its changes could not be checked', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { error } = await dispatch([[{ type: 'tool_call', name: 'Bash', arguments: { command: 'echo x > made.txt' } }], [{ type: 'text', text: 'ok' }]], createGuard([]));
    expect(error).toBeUndefined();
    expect(existsSync(join(workspace, 'made.txt'))).toBe(false);
    expect(server!.toolResults()[0]?.content).toContain('is not a git work tree, so the files a command changes cannot be checked');
  });

  it('an Escalate call under leases ends the attempt with AGENT_ESCALATED carrying the request', { timeout: TEST_TIMEOUT_MS }, async () => {
    createRepository();
    const { error } = await dispatch(
      [[{ type: 'tool_call', name: 'Escalate', arguments: { reason: 'I need src/theirs.ts', triggerType: 'lease', options: ['wait for T-2'] } }]],
      createGuard(['src/mine.ts']),
    );
    expect(isEnsembleError(error) && error.code).toBe('AGENT_ESCALATED');
    expect(isEnsembleError(error) && error.details).toEqual({ triggerType: 'lease', reason: 'I need src/theirs.ts', context: '', options: ['wait for T-2'] });
    expect(server!.chatRequests()).toHaveLength(1);
  });
});
