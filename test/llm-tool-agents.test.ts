import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BudgetLedger, EnsembleError, taskSpecSchema } from '../src/core/index.js';
import type { ActivityEventType, ActivityPayload, PermissionCeiling } from '../src/core/index.js';
import type { ProviderName, ProviderSettings } from '../src/config/index.js';
import type { McpToolSource, WorkspaceTool } from '../src/tools/index.js';
import { readTool } from '../src/tools/read-tool.js';
import { bashTool } from '../src/tools/bash-tool.js';
import { editTool } from '../src/tools/edit-tool.js';
import { writeTool } from '../src/tools/write-tool.js';
import type { AgentInvocation } from '../src/agents/agent-runtime.js';
import { parseAgentDefinition } from '../src/agents/registry/parse-agent-definition.js';
import { createLlmRuntime } from '../src/agents/llm/index.js';
import { runToolCall } from '../src/agents/llm/run-tool-call.js';
import { startOpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';
import { startAnthropicMessagesServer } from './helpers/wire/anthropic-messages-server.js';
import { rejection } from './helpers/rejection.js';
import { openAiErrorReply, openAiStreamReply, startProviderServer } from './helpers/provider-servers.js';

/** Every test is bounded: a hung loop fails at this limit instead of holding the suite. */
const TEST_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------- tools under test

const TOOLS: readonly WorkspaceTool[] = [readTool as WorkspaceTool, writeTool as WorkspaceTool, editTool as WorkspaceTool, bashTool as WorkspaceTool];

// ---------------------------------------------------------------- scripted servers, one shape for both wire protocols

interface Turn {
  readonly text?: string;
  readonly calls?: readonly { readonly name: string; readonly input: Readonly<Record<string, unknown>> }[];
}

interface ScriptedModel {
  readonly provider: ProviderName;
  readonly modelId: string;
  readonly settings: ProviderSettings;
  /** Tool names offered in each model request, in order. */
  offeredTools(): readonly (readonly string[])[];
  /** The tool results sent back: content and whether marked as an error (the Chat API has no such mark: undefined). */
  toolResults(): readonly { readonly content: string; readonly isError: boolean | undefined }[];
  close(): Promise<void>;
}

interface Protocol {
  readonly name: string;
  start(turns: readonly Turn[], usage?: { readonly inputTokens: number; readonly outputTokens: number }): Promise<ScriptedModel>;
}

const protocols: readonly Protocol[] = [
  {
    name: 'openai-compatible (Chat Completions, as Ollama and vLLM)',
    async start(turns, usage) {
      const server = await startOpenAiChatToolServer({
        turns: turns.map((turn) => [
          ...(turn.text === undefined ? [] : [{ type: 'text' as const, text: turn.text }]),
          ...(turn.calls ?? []).map((call) => ({ type: 'tool_call' as const, name: call.name, arguments: call.input })),
        ]),
        ...(usage === undefined ? {} : usage),
      });
      return {
        provider: 'openai-compatible',
        modelId: 'qwen2.5-coder',
        settings: { baseURL: server.baseUrl },
        offeredTools: () => server.chatRequests().map((request) => request.tools),
        toolResults: () => server.toolResults().map((result) => ({ content: result.content, isError: undefined })),
        close: () => server.close(),
      };
    },
  },
  {
    name: 'anthropic (Messages)',
    async start(turns, usage) {
      const server = await startAnthropicMessagesServer({
        turns: turns.map((turn) => [
          ...(turn.text === undefined ? [] : [{ type: 'text' as const, text: turn.text }]),
          ...(turn.calls ?? []).map((call) => ({ type: 'tool_use' as const, name: call.name, input: call.input })),
        ]),
        ...(usage === undefined ? {} : usage),
      });
      return {
        provider: 'anthropic',
        modelId: 'claude-sonnet-4-5',
        settings: { apiKey: 'sk-ant-test', baseURL: `${server.url}/v1` },
        offeredTools: () => server.mainRequests().map((request) => request.tools.map((tool) => tool.name)),
        toolResults: () => server.toolResults().map((result) => ({ content: result.content, isError: result.isError })),
        close: () => server.close(),
      };
    },
  },
];

// ---------------------------------------------------------------- fixtures

let workspace: string;
let model: ScriptedModel | undefined;
beforeEach(() => {
  workspace = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-tool-agents-')));
});
afterEach(async () => {
  await model?.close();
  model = undefined;
  rmSync(workspace, { recursive: true, force: true });
});

function agentFile(tools: string, extra = ''): ReturnType<typeof parseAgentDefinition> {
  return parseAgentDefinition(`---\nname: coder\ndescription: Works on code\ntools: ${tools}\n${extra}---\nYou work on the code.\n`, 'test');
}

interface Harness {
  readonly invocation: AgentInvocation;
  readonly events: { type: ActivityEventType; payload: ActivityPayload<ActivityEventType> }[];
  readonly warnings: string[];
}

function harness(scripted: ScriptedModel, options: { tools?: string; permissions?: PermissionCeiling; extra?: string } & Partial<AgentInvocation> = {}): Harness {
  const { tools, permissions, extra, ...rest } = options;
  const events: Harness['events'] = [];
  const warnings: string[] = [];
  const invocation: AgentInvocation = {
    request: {
      runId: 'run-tools',
      task: taskSpecSchema.parse({ id: 'work', agentName: 'coder', prompt: 'Do the work', maxTokens: 100 }),
      attempt: 1,
      executionId: 'run-tools:work:1',
      inputs: [],
      context: [],
      permissions: permissions ?? 'edit',
    },
    agent: agentFile(tools ?? 'Read, Write, Edit, Bash', extra),
    workspaceDir: workspace,
    model: scripted.modelId,
    reportEvent: (type, payload) => events.push({ type, payload }),
    warn: (message) => warnings.push(message),
    ...rest,
  };
  return { invocation, events, warnings };
}

function runtimeFor(scripted: ScriptedModel) {
  return createLlmRuntime({
    provider: scripted.provider,
    providers: { [scripted.provider]: scripted.settings },
    model: scripted.modelId,
    outputIntervalMs: 0,
    tools: TOOLS,
    killGraceMs: 200,
    costs: { [`${scripted.provider}:*`]: { inputPerMillion: 1, outputPerMillion: 2 } },
  });
}

function toolEvents(events: Harness['events'], state: 'start' | 'end') {
  return events.filter((event) => event.type === 'agent:tool' && (event.payload as ActivityPayload<'agent:tool'>).state === state).map((event) => event.payload as ActivityPayload<'agent:tool'>);
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: workspace, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

const never = new AbortController().signal;

describe.each(protocols)('llm agents with tools over $name', (protocol) => {
  it('reads a file and quotes it: the tool result holds the file lines, and the call is two agent:tool events', { timeout: TEST_TIMEOUT_MS }, async () => {
    writeFileSync(join(workspace, 'notes.txt'), 'alpha line\nbeta line\n');
    model = await protocol.start([{ calls: [{ name: 'Read', input: { file_path: 'notes.txt' } }] }, { text: 'The file says: alpha line' }]);
    const { invocation, events } = harness(model);
    const outcome = await runtimeFor(model).run(invocation, never);
    expect(outcome.output).toBe('The file says: alpha line');
    const [result] = model.toolResults();
    expect(result?.content).toMatch(/1\s*\talpha line/);
    expect(result?.content).toMatch(/2\s*\tbeta line/);
    expect(result?.isError).not.toBe(true);
    expect(toolEvents(events, 'start')).toEqual([expect.objectContaining({ tool: 'Read', state: 'start', input: expect.stringContaining('notes.txt') })]);
    expect(toolEvents(events, 'end')).toEqual([expect.objectContaining({ tool: 'Read', ok: true, resultChars: result?.content.length, durationMs: expect.any(Number) })]);
    expect(outcome.evidence).toMatchObject({ runtime: 'llm', toolCalls: 1, permissions: 'edit' });
    // The system prompt names the workspace and tools.
    expect(model.offeredTools()[0]).toEqual(['Read', 'Write', 'Edit']);
  });

  it('edits a file and writes a new one; the evidence holds the real diff and the reported changes', { timeout: TEST_TIMEOUT_MS }, async () => {
    git('init', '-q');
    mkdirSync(join(workspace, 'src'));
    writeFileSync(join(workspace, 'src', 'app.js'), 'export const answer = 41;\n');
    git('add', '-A');
    git('commit', '-qm', 'start');
    model = await protocol.start([
      { calls: [{ name: 'Edit', input: { file_path: 'src/app.js', old_string: '41', new_string: '42' } }] },
      { calls: [{ name: 'Write', input: { file_path: 'src/app.test.js', content: 'assert(answer === 42);\n' } }] },
      { text: 'Fixed the answer and added a test.' },
    ]);
    const { invocation, events } = harness(model);
    const outcome = await runtimeFor(model).run(invocation, never);
    expect(readFileSync(join(workspace, 'src', 'app.js'), 'utf8')).toBe('export const answer = 42;\n');
    expect(readFileSync(join(workspace, 'src', 'app.test.js'), 'utf8')).toBe('assert(answer === 42);\n');
    expect(outcome.evidence?.diff).toContain('+export const answer = 42;');
    expect(outcome.evidence?.diff).toContain('+++ b/src/app.test.js');
    expect(outcome.evidence?.reportedChanges).toEqual([
      { path: 'src/app.js', kind: 'edit' },
      { path: 'src/app.test.js', kind: 'write' },
    ]);
    expect(toolEvents(events, 'end').map((event) => event.files)).toEqual([['src/app.js'], ['src/app.test.js']]);
    // Nothing was committed or staged in the user's index.
    expect(git('status', '--porcelain')).toContain('?? src/app.test.js');
  });

  it("runs a command with Bash under 'full', in the workspace, and shows its output to the model", { timeout: TEST_TIMEOUT_MS }, async () => {
    model = await protocol.start([{ calls: [{ name: 'Bash', input: { command: 'echo hello > out.txt && cat out.txt && pwd' } }] }, { text: 'ran it' }]);
    const { invocation, events } = harness(model, { permissions: 'full' });
    const outcome = await runtimeFor(model).run(invocation, never);
    expect(outcome.output).toBe('ran it');
    expect(readFileSync(join(workspace, 'out.txt'), 'utf8')).toBe('hello\n');
    expect(model.toolResults()[0]?.content).toContain('hello');
    expect(model.toolResults()[0]?.content).toContain(workspace);
    expect(model.offeredTools()[0]).toEqual(['Read', 'Write', 'Edit', 'Bash']);
    // The shell's process group is journaled like a process agent's.
    expect(events.filter((event) => event.type === 'agent:process').map((event) => (event.payload as { state: string }).state)).toEqual(['started', 'exited']);
  });

  it('offers no tool above the ceiling: under read only Read is in the request', { timeout: TEST_TIMEOUT_MS }, async () => {
    model = await protocol.start([{ text: 'looked' }]);
    const { invocation } = harness(model, { permissions: 'read' });
    await runtimeFor(model).run(invocation, never);
    expect(model.offeredTools()).toEqual([['Read']]);
  });

  it('fails with AGENT_FAILED (not retryable) when maxTurns steps still call tools', { timeout: TEST_TIMEOUT_MS }, async () => {
    writeFileSync(join(workspace, 'a.txt'), 'a\n');
    model = await protocol.start([{ text: 'again', calls: [{ name: 'Read', input: { file_path: 'a.txt' } }] }]);
    const { invocation } = harness(model, { extra: 'maxTurns: 3\n' });
    const error = await rejection(runtimeFor(model).run(invocation, never));
    expect(error.code).toBe('AGENT_FAILED');
    expect(error.message).toContain('reached maxTurns 3');
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({ maxTurns: 3, lastText: 'again', toolCalls: 2 });
    expect(model.offeredTools()).toHaveLength(3);
  });

  it('sums usage over every step', { timeout: TEST_TIMEOUT_MS }, async () => {
    writeFileSync(join(workspace, 'a.txt'), 'a\n');
    model = await protocol.start(
      [{ calls: [{ name: 'Read', input: { file_path: 'a.txt' } }] }, { calls: [{ name: 'Read', input: { file_path: 'a.txt' } }] }, { text: 'done' }],
      { inputTokens: 100, outputTokens: 20 },
    );
    const { invocation } = harness(model);
    const outcome = await runtimeFor(model).run(invocation, never);
    expect(outcome.usage).toEqual({ inputTokens: 300, outputTokens: 60, totalTokens: 360 });
    expect(outcome.costUsd).toBeCloseTo((300 * 1 + 60 * 2) / 1e6, 12);
  });

  it('holds the budget before each step: a cap that fits two steps stops before the third starts', { timeout: TEST_TIMEOUT_MS }, async () => {
    writeFileSync(join(workspace, 'a.txt'), 'a\n');
    model = await protocol.start([{ calls: [{ name: 'Read', input: { file_path: 'a.txt' } }] }], { inputTokens: 1000, outputTokens: 10 });
    // Two steps spend 2020; the third's hold (its prompt estimate + 100 output tokens) cannot fit in 2200.
    const budget = new BudgetLedger({ run: { tokens: 2200 } });
    const { invocation } = harness(model, { tools: 'Read', budget });
    const error = await rejection(runtimeFor(model).run(invocation, never));
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(model.offeredTools()).toHaveLength(2);
    expect(await budget.spent('run')).toMatchObject({ tokens: 2020 });
    expect(budget.held('run').tokens).toBe(0);
  });

  it('sends an invalid tool input back as an error result, and the loop goes on', { timeout: TEST_TIMEOUT_MS }, async () => {
    model = await protocol.start([{ calls: [{ name: 'Read', input: { file_path: 42 } }] }, { text: 'recovered' }]);
    const { invocation, events } = harness(model);
    const outcome = await runtimeFor(model).run(invocation, never);
    expect(outcome.output).toBe('recovered');
    const [result] = model.toolResults();
    expect(result?.content).toContain('invalid input for Read: file_path');
    if (result?.isError !== undefined) expect(result.isError).toBe(true);
    expect(toolEvents(events, 'end')).toEqual([expect.objectContaining({ ok: false, error: expect.stringContaining('invalid input') })]);
    expect(outcome.evidence).toMatchObject({ toolCalls: 1, failedToolCalls: 1 });
  });

  it('never hands a hostile tool argument to a shell', { timeout: TEST_TIMEOUT_MS }, async () => {
    model = await protocol.start([
      {
        calls: [
          { name: 'Read', input: { file_path: '$(touch pwned)' } },
          { name: 'Write', input: { file_path: '`touch pwned2`\n"; touch pwned3 #', content: "$(touch pwned4) ' \"" } },
        ],
      },
      { text: 'done' },
    ]);
    const { invocation } = harness(model);
    await runtimeFor(model).run(invocation, never);
    for (const name of ['pwned', 'pwned2', 'pwned3', 'pwned4']) {
      expect(existsSync(join(workspace, name))).toBe(false);
      expect(existsSync(join(process.cwd(), name))).toBe(false);
    }
    // The write made a file of that literal name, with the literal content.
    expect(readFileSync(join(workspace, '`touch pwned2`\n"; touch pwned3 #'), 'utf8')).toBe("$(touch pwned4) ' \"");
    expect(model.toolResults()[0]?.content).toMatch(/not found|does not exist|no such/i);
  });
});

describe('llm agents with tools: the loop around the calls', () => {
  const chat = protocols[0]!;

  it('kills a running Bash command and its children when the task is aborted', { timeout: TEST_TIMEOUT_MS }, async () => {
    model = await chat.start([{ calls: [{ name: 'Bash', input: { command: 'sleep 60 & echo $! > child.pid; echo $$ > shell.pid; wait' } }] }, { text: 'never' }]);
    const controller = new AbortController();
    const { invocation } = harness(model, { permissions: 'full' });
    const running = runtimeFor(model).run(invocation, controller.signal);
    const deadline = Date.now() + 10_000;
    while (!(existsSync(join(workspace, 'child.pid')) && existsSync(join(workspace, 'shell.pid')))) {
      if (Date.now() > deadline) throw new Error('the command did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const pids = ['child.pid', 'shell.pid'].map((name) => Number(readFileSync(join(workspace, name), 'utf8').trim()));
    const reason = new EnsembleError('RUN_CANCELLED', 'cancelled');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    // No further step started after the abort.
    expect(model.offeredTools()).toHaveLength(1);
  });

  it('warns once per tool name ensemble does not implement, and offers the rest', { timeout: TEST_TIMEOUT_MS }, async () => {
    model = await chat.start([{ text: 'ok' }]);
    const { invocation, warnings } = harness(model, { tools: 'Read, WebFetch, Task' });
    await runtimeFor(model).run(invocation, never);
    expect(warnings).toEqual(['agent coder: tool WebFetch is not implemented by ensemble; ignored', 'agent coder: tool Task is not implemented by ensemble; ignored']);
    expect(model.offeredTools()).toEqual([['Read']]);
  });

  it('offers and runs MCP tools by their JSON Schema; a server that fails fails the task with MCP_SERVER_FAILED', { timeout: TEST_TIMEOUT_MS }, async () => {
    const said: unknown[] = [];
    const sayTool: WorkspaceTool = {
      name: 'mcp__echo__say',
      permission: 'read',
      description: 'Says something',
      inputSchema: z.object({ text: z.string() }),
      inputJsonSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      summarize: () => 'say',
      execute: async (input) => {
        said.push(input);
        return { output: 'said it' };
      },
    };
    const source = (fail: boolean): McpToolSource => ({
      serverNames: ['echo'],
      toolsOf: async (server) => {
        if (fail) throw new EnsembleError('MCP_SERVER_FAILED', `MCP server "${server}" did not start`);
        return [sayTool];
      },
      close: async () => {},
    });
    model = await chat.start([{ calls: [{ name: 'mcp__echo__say', input: { text: 'hi' } }] }, { text: 'done' }]);
    const ok = harness(model, { tools: 'Read, mcp__echo', mcp: source(false) });
    expect((await runtimeFor(model).run(ok.invocation, never)).output).toBe('done');
    expect(said).toEqual([{ text: 'hi' }]);
    expect(model.offeredTools()[0]).toEqual(['Read', 'mcp__echo__say']);
    const failing = harness(model, { tools: 'Read, mcp__echo__say', mcp: source(true) });
    const error = await rejection(runtimeFor(model).run(failing.invocation, never));
    expect(error.code).toBe('MCP_SERVER_FAILED');
    expect(error.message).toContain('"echo"');
  });

  it('measures the CPU time ensemble adds per model step and per tool call (loopback server answering at once)', { timeout: 60_000 }, async () => {
    const noop: WorkspaceTool = {
      name: 'Noop',
      permission: 'read',
      description: 'Does nothing',
      inputSchema: z.object({ n: z.number() }),
      summarize: (input) => String((input as { n: number }).n),
      execute: async () => ({ output: 'ok' }),
    };
    const steps = 30;
    // Two loops of the same steps, one and three calls per step: the difference is the calls' own cost.
    const measure = async (callsPerStep: number): Promise<number> => {
      const turns: Turn[] = Array.from({ length: steps - 1 }, (_, step) => ({
        calls: Array.from({ length: callsPerStep }, (__, index) => ({ name: 'Noop', input: { n: step * callsPerStep + index } })),
      }));
      const scripted = await chat.start([...turns, { text: 'done' }]);
      try {
        const runtime = createLlmRuntime({ provider: scripted.provider, providers: { [scripted.provider]: scripted.settings }, model: scripted.modelId, tools: [noop] });
        const { invocation } = harness(scripted, { tools: 'Noop', extra: 'maxTurns: 100\n' });
        await runtime.run(invocation, never); // warm-up
        const before = process.cpuUsage();
        await runtime.run(invocation, never);
        const used = process.cpuUsage(before);
        return (used.user + used.system) / 1000;
      } finally {
        await scripted.close();
      }
    };
    const oneCallMs = await measure(1);
    const threeCallsMs = await measure(3);
    const perCallMs = (threeCallsMs - oneCallMs) / (2 * (steps - 1));
    const perStepMs = (oneCallMs - perCallMs * (steps - 1)) / steps;
    const loopMs = oneCallMs;
    // ensemble's own part of a call (validation, summary, two events, result cap), the model's conversation aside.
    const context = { workspaceDir: workspace, signal: never };
    const recorded: unknown[] = [];
    const calls = 5000;
    const beforeCalls = process.cpuUsage();
    for (let index = 0; index < calls; index++) await runToolCall({ callId: `c${index}`, toolName: 'Noop', input: { n: index } }, noop, context, (type, payload) => recorded.push([type, payload]));
    const usedCalls = process.cpuUsage(beforeCalls);
    const ownPerCallMs = (usedCalls.user + usedCalls.system) / 1000 / calls;
    console.log(`[bench] runToolCall alone: ${(ownPerCallMs * 1000).toFixed(1)} µs CPU per call`);
    console.log(
      `[bench] ${steps} steps: ${oneCallMs.toFixed(1)} ms CPU with 1 call/step, ${threeCallsMs.toFixed(1)} ms with 3; per model step ${perStepMs.toFixed(2)} ms (loopback server in the same process included), per tool call ${perCallMs.toFixed(3)} ms`,
    );
    expect(loopMs).toBeGreaterThan(0);
  });
});

/** Whether `pid` runs: a zombie (killed, not yet reaped by a container's init) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('llm agents on a model that takes no tools', () => {
  it('answers without tools, saying so once, when the server refuses tools (an Ollama model without tool support)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const refusal = openAiErrorReply(400, 'registry.ollama.ai/library/gemma:2b does not support tools');
    const answer = openAiStreamReply({ model: 'gemma:2b', chunks: ['An answer ', 'without tools.'], inputTokens: 50, outputTokens: 5 });
    const server = await startProviderServer((request, response) => {
      const body = request.body as { tools?: unknown[] } | undefined;
      return (Array.isArray(body?.tools) && body.tools.length > 0 ? refusal : answer)(request, response);
    });
    try {
      const warnings: string[] = [];
      const runtime = createLlmRuntime({
        provider: 'openai-compatible',
        providers: { 'openai-compatible': { baseURL: `${server.url}/v1` } },
        model: 'gemma:2b',
        tools: TOOLS,
        onWarning: (message) => warnings.push(message),
      });
      const run = () => runtime.run(harness({ modelId: 'gemma:2b' } as ScriptedModel, { tools: 'Read' }).invocation, never);
      expect((await run()).output).toBe('An answer without tools.');
      expect((await run()).output).toBe('An answer without tools.');
      expect(warnings.filter((warning) => warning.includes('does not accept tools'))).toHaveLength(1);
      expect(warnings[0]).toContain('openai-compatible:gemma:2b does not accept tools');
    } finally {
      await server.close();
    }
  });
});
