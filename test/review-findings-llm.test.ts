import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelMessage, ToolSet } from 'ai';
import { taskSpecSchema } from '../src/core/index.js';
import type { ProviderName, ProviderSettings } from '../src/config/index.js';
import { createLlmProviders } from '../src/providers/index.js';
import { readTool } from '../src/tools/index.js';
import type { WorkspaceTool } from '../src/tools/index.js';
import { parseReviewFindings, reviewFindingsSchema } from '../src/workflows/index.js';
import type { AgentInvocation } from '../src/agents/agent-runtime.js';
import { parseAgentDefinition } from '../src/agents/registry/parse-agent-definition.js';
import { createLlmRuntime } from '../src/agents/llm/index.js';
import { runAgentLoop } from '../src/agents/llm/run-agent-loop.js';
import { streamModelCall } from '../src/agents/llm/stream-model-call.js';
import type { ModelCallResult, StructuredOutput } from '../src/agents/llm/stream-model-call.js';
import { startAnthropicMessagesServer } from './helpers/wire/anthropic-messages-server.js';
import type { AnthropicMessagesServer } from './helpers/wire/anthropic-messages-server.js';
import { startOpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';
import type { ChatScriptedPart, OpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';
import { openAiErrorReply, openAiStreamReply, startProviderServer } from './helpers/provider-servers.js';
import type { ProviderServer } from './helpers/provider-servers.js';

/** A hung loop fails at this limit instead of holding the suite. */
const TEST_TIMEOUT_MS = 20_000;
const TOOLS: readonly WorkspaceTool[] = [readTool as WorkspaceTool];

const FINDINGS = {
  findings: [
    {
      severity: 'critical',
      title: 'SQL injection in findUser',
      file: 'src/users.js',
      line: 2,
      endLine: null,
      detail: 'The id is concatenated into the query.',
      recommendation: 'Use a parameterised query.',
      category: 'security',
    },
    { severity: 'approval', title: 'Small module', file: null, line: null, endLine: null, detail: 'One function, clearly named.', recommendation: null, category: null },
  ],
};
/** What the task's output holds for {@link FINDINGS}: nulls dropped. */
const STORED_FINDINGS = [
  {
    severity: 'critical',
    title: 'SQL injection in findUser',
    file: 'src/users.js',
    line: 2,
    detail: 'The id is concatenated into the query.',
    recommendation: 'Use a parameterised query.',
    category: 'security',
  },
  { severity: 'approval', title: 'Small module', detail: 'One function, clearly named.' },
];
const PROSE = '## Critical\n\n- src/users.js:2 — SQL injection in findUser: the id is concatenated into the query.\n\n## Approvals\n\n- Small module';
const READ_CALL: ChatScriptedPart = { type: 'tool_call', name: 'Read', arguments: { file_path: 'README.md' } };

let workspace: string;
let servers: (OpenAiChatToolServer | ProviderServer | AnthropicMessagesServer)[] = [];
beforeEach(() => {
  workspace = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-findings-llm-')));
  writeFileSync(join(workspace, 'README.md'), 'const q = "SELECT * FROM users WHERE id = " + id;\n');
});
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
  rmSync(workspace, { recursive: true, force: true });
});

async function chatServer(turns: readonly (readonly ChatScriptedPart[])[]): Promise<OpenAiChatToolServer> {
  const server = await startOpenAiChatToolServer({ turns });
  servers.push(server);
  return server;
}

/** The Chat Completions request bodies as sent, for the fields the scripted server does not read. */
function rawBodies(server: OpenAiChatToolServer | ProviderServer | AnthropicMessagesServer): Record<string, unknown>[] {
  return server.requests.filter((request) => /\/(?:chat\/completions|messages)$/.test(request.url.split('?')[0]!)).map((request) => request.body as Record<string, unknown>);
}

interface LoopHarness {
  readonly warnings: string[];
  run(tools: readonly WorkspaceTool[], options?: { maxTurns?: number }): Promise<{ text: string; steps: number }>;
}

/** `runAgentLoop` whose steps are real `streamModelCall`s through the AI SDK to the server. */
function loopOn(provider: ProviderName, settings: ProviderSettings, modelId: string): LoopHarness {
  const warnings: string[] = [];
  const model = createLlmProviders({ providers: { [provider]: settings } }).languageModel(provider, modelId);
  const signal = new AbortController().signal;
  const step = (messages: readonly ModelMessage[], tools: ToolSet | undefined, output?: StructuredOutput): Promise<ModelCallResult> =>
    streamModelCall(
      {
        model,
        resolved: { provider, modelId },
        system: 'You review code.',
        messages,
        ...(tools === undefined ? {} : { tools }),
        ...(output === undefined ? {} : { output }),
        maxOutputTokens: 500,
        idleTimeoutMs: 5000,
        reportOutput: undefined,
        outputIntervalMs: 0,
        secrets: [],
        warn: (message) => warnings.push(message),
        progress: { isStarted: false, text: '', usage: undefined },
      },
      signal,
    );
  return {
    warnings,
    run: (tools, options = {}) =>
      runAgentLoop(
        {
          agentName: 'security-auditor',
          system: 'You review code.',
          prompt: 'Review src/users.js.',
          tools,
          maxTurns: options.maxTurns ?? 10,
          toolContext: { workspaceDir: workspace, signal },
          responseFormat: 'review-findings',
          warn: (message) => warnings.push(message),
          step,
        },
        signal,
      ),
  };
}

function findingsOf(output: string): unknown {
  const parsed = JSON.parse(output) as unknown;
  expect(reviewFindingsSchema.safeParse(parsed).success).toBe(true);
  return (parsed as { findings: unknown }).findings;
}

describe('structured review findings from llm reviewers, at the wire (issue 8)', () => {
  it('without tools, asks for the findings schema on the only step; the output is the findings JSON', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await chatServer([[{ type: 'text', text: JSON.stringify(FINDINGS) }]]);
    const loop = loopOn('openai-compatible', { baseURL: server.baseUrl }, 'qwen2.5-coder');
    const result = await loop.run([]);
    expect(findingsOf(result.text)).toEqual(STORED_FINDINGS);
    expect(result.steps).toBe(1);
    const [body] = rawBodies(server);
    // An OpenAI-compatible server is asked for JSON mode; the shape rides in the prompt.
    expect(body?.response_format).toEqual({ type: 'json_object' });
    expect(body?.tools).toBeUndefined();
    expect(loop.warnings).toEqual([expect.stringContaining('JSON response format schema is only supported with structuredOutputs')]);
  });

  it('asks OpenAI for the strict JSON schema: every field required, nulls for absent ones', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await chatServer([[{ type: 'text', text: JSON.stringify(FINDINGS) }]]);
    const loop = loopOn('openai', { apiKey: 'sk-test', baseURL: server.baseUrl }, 'gpt-4o-mini');
    expect(findingsOf((await loop.run([])).text)).toEqual(STORED_FINDINGS);
    const format = rawBodies(server)[0]?.response_format as { type: string; json_schema: { name: string; strict: boolean; schema: { properties: { findings: { items: { required: string[] } } } } } };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.name).toBe('review_findings');
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema.properties.findings.items.required).toEqual(['severity', 'title', 'file', 'line', 'endLine', 'detail', 'recommendation', 'category']);
  });

  it('with tools, reads first; a prose answer is followed by one structured step with tools defined but not callable', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await chatServer([[READ_CALL], [{ type: 'text', text: PROSE }], [{ type: 'text', text: JSON.stringify(FINDINGS) }]]);
    const loop = loopOn('openai-compatible', { baseURL: server.baseUrl }, 'qwen2.5-coder');
    const result = await loop.run(TOOLS);
    expect(findingsOf(result.text)).toEqual(STORED_FINDINGS);
    expect(result.steps).toBe(3);
    const bodies = rawBodies(server);
    expect(bodies.map((body) => [body.response_format ?? null, body.tool_choice ?? null])).toEqual([
      [null, 'auto'],
      [null, 'auto'],
      [{ type: 'json_object' }, 'none'],
    ]);
    expect(server.chatRequests().map((request) => request.tools)).toEqual([['Read'], ['Read'], ['Read']]);
    // The tool ran (its result went back), and the structured step carries the prose answer and the request for JSON.
    expect(server.toolResults()[0]?.content).toContain('SELECT * FROM users');
    const last = server.chatRequests()[2]!.messages;
    expect(last.at(-2)).toMatchObject({ role: 'assistant', content: PROSE });
    expect(String(last.at(-1)?.content)).toContain('Now give every finding of your review as one JSON object');
  });

  it('over Anthropic, the structured step keeps the tools defined (a history of tool calls needs them) with tool_choice none', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startAnthropicMessagesServer({
      turns: [[{ type: 'tool_use', name: 'Read', input: { file_path: 'README.md' } }], [{ type: 'text', text: PROSE }], [{ type: 'text', text: JSON.stringify(FINDINGS) }]],
    });
    servers.push(server);
    const loop = loopOn('anthropic', { apiKey: 'sk-ant-test', baseURL: `${server.url}/v1` }, 'claude-sonnet-4-5');
    const result = await loop.run(TOOLS);
    expect(findingsOf(result.text)).toEqual(STORED_FINDINGS);
    const bodies = rawBodies(server);
    expect(bodies).toHaveLength(3);
    expect(bodies.map((body) => (body.tools as { name: string }[]).map((tool) => tool.name))).toEqual([['Read'], ['Read'], ['Read']]);
    expect(bodies[2]?.tool_choice).toEqual({ type: 'none' });
    expect(bodies[2]?.output_config).toMatchObject({ format: { type: 'json_schema' } });
    expect(bodies[1]?.output_config).toBeUndefined();
  });

  it('with tools, takes a clean findings block from the answer without another call', { timeout: TEST_TIMEOUT_MS }, async () => {
    const answer = `I read README.md.\n\n\`\`\`json\n${JSON.stringify(FINDINGS, null, 2)}\n\`\`\``;
    const server = await chatServer([[READ_CALL], [{ type: 'text', text: answer }]]);
    const loop = loopOn('openai-compatible', { baseURL: server.baseUrl }, 'qwen2.5-coder');
    const result = await loop.run(TOOLS);
    expect(findingsOf(result.text)).toEqual(STORED_FINDINGS);
    expect(result.steps).toBe(2);
    expect(rawBodies(server)).toHaveLength(2);
    expect(loop.warnings).toEqual([]);
  });

  it('a model that answers prose even when asked for JSON keeps its prose answer, which the tolerant parser reads', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await chatServer([[{ type: 'text', text: PROSE }], [{ type: 'text', text: 'Sure! As I said, there is one critical issue.' }]]);
    const loop = loopOn('openai-compatible', { baseURL: server.baseUrl }, 'qwen2.5-coder');
    const result = await loop.run(TOOLS);
    expect(result.text).toBe(PROSE);
    expect(result.steps).toBe(2);
    expect(loop.warnings).toContainEqual(expect.stringMatching(/^agent security-auditor: no structured review findings \(No object generated: could not parse the response.*\); its text answer is kept and read tolerantly$/));
    const parsed = parseReviewFindings(result.text);
    expect(parsed.source).toBe('markdown');
    expect(parsed.findings.map((finding) => [finding.severity, finding.title, finding.file, finding.line])).toEqual([
      ['critical', 'SQL injection in findUser: the id is concatenated into the query.', 'src/users.js', 2],
      ['approval', 'Small module', undefined, undefined],
    ]);
  });

  it('a server that refuses the response format gets the plain request again, and the text answer stands', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startProviderServer();
    servers.push(server);
    server.enqueue(openAiErrorReply(400, "response_format 'json_object' is not supported by this model"), openAiStreamReply({ model: 'tiny', chunks: [PROSE], inputTokens: 10, outputTokens: 5 }));
    const loop = loopOn('openai-compatible', { baseURL: `${server.url}/v1` }, 'tiny');
    const result = await loop.run([]);
    expect(result.text).toBe(PROSE);
    expect(rawBodies(server).map((body) => body.response_format ?? null)).toEqual([{ type: 'json_object' }, null]);
    expect(loop.warnings).toContainEqual(expect.stringMatching(/^agent security-auditor: the model refused structured output \(.*HTTP 400.*\); it answers in text, read tolerantly$/));
  });

  it('at maxTurns, leaves the text answer rather than exceed the limit', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await chatServer([[READ_CALL], [{ type: 'text', text: PROSE }]]);
    const loop = loopOn('openai-compatible', { baseURL: server.baseUrl }, 'qwen2.5-coder');
    const result = await loop.run(TOOLS, { maxTurns: 2 });
    expect(result).toMatchObject({ text: PROSE, steps: 2 });
    expect(rawBodies(server)).toHaveLength(2);
    expect(loop.warnings).toContainEqual('agent security-auditor: maxTurns 2 left no step to ask for structured review findings; its text answer is kept and read tolerantly');
  });
});

describe('structured review findings through the llm runtime (issue 8)', () => {
  it('a task with responseFormat review-findings answers with the findings JSON', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await chatServer([[READ_CALL], [{ type: 'text', text: PROSE }], [{ type: 'text', text: JSON.stringify(FINDINGS) }]]);
    const runtime = createLlmRuntime({ provider: 'openai-compatible', providers: { 'openai-compatible': { baseURL: server.baseUrl } }, model: 'qwen2.5-coder', outputIntervalMs: 0, tools: TOOLS });
    const invocation: AgentInvocation = {
      request: {
        runId: 'run-findings',
        task: taskSpecSchema.parse({ id: 'security', agentName: 'security-auditor', prompt: 'Review README.md', maxTokens: 500, responseFormat: 'review-findings' }),
        attempt: 1,
        executionId: 'run-findings:security:1',
        inputs: [],
        context: [],
        permissions: 'read',
      },
      agent: parseAgentDefinition('---\nname: security-auditor\ndescription: Audits security\ntools: Read\n---\nYou audit code.\n', 'test'),
      workspaceDir: workspace,
      model: 'qwen2.5-coder',
    };
    const outcome = await runtime.run(invocation, new AbortController().signal);
    expect(findingsOf(outcome.output)).toEqual(STORED_FINDINGS);
    expect(rawBodies(server).map((body) => body.response_format ?? null)).toEqual([null, null, { type: 'json_object' }]);
    // All three calls are counted.
    expect(outcome.usage?.totalTokens).toBe(3 * 120);
  });
});
