// Issue 7: what ensemble adds to a tool call and to a step of an llm agent's tool loop, in CPU time.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createLlmRuntime, type AgentDefinition } from '../src/agents/index.js';
import { runToolCall } from '../src/agents/llm/run-tool-call.js';
import { taskSpecSchema } from '../src/core/index.js';
import { readTool, type ToolContext, type WorkspaceTool } from '../src/tools/index.js';

export interface ToolLoopResult {
  /** CPU µs ensemble adds around a tool's own work (validation, summary, two events, result cap). */
  readonly overheadPerToolCallMicroseconds: number;
  /** CPU µs of a Read of a 100-line file through ensemble's call path, the tool's work included. */
  readonly readCallMicroseconds: number;
  /** CPU ms per step of the loop against an instant loopback server (in this process: its HTTP and JSON work counts too). */
  readonly stepMilliseconds: number;
  /** CPU ms each further tool call in a step adds inside the loop (the conversation grows by its call and result). */
  readonly extraCallInLoopMilliseconds: number;
}

const cpuMicroseconds = (): number => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

async function timeCalls(count: number, call: () => Promise<unknown>): Promise<number> {
  for (let index = 0; index < 200; index++) await call();
  const start = cpuMicroseconds();
  for (let index = 0; index < count; index++) await call();
  return (cpuMicroseconds() - start) / count;
}

const echoTool: WorkspaceTool<{ text: string }> = {
  name: 'Echo',
  permission: 'read',
  description: 'Echoes its input.',
  inputSchema: z.object({ text: z.string() }),
  summarize: (input) => input.text,
  execute: async (input) => ({ output: input.text }),
};

/** An OpenAI Chat Completions server that answers at once: `callsPerStep` Read calls per step until `steps` steps, then text. */
function startInstantServer(steps: number, callsPerStep: number): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const parsed = JSON.parse(body) as { messages: { role: string }[]; model: string };
      const turn = parsed.messages.filter((message) => message.role === 'assistant').length;
      const chunk = (delta: Record<string, unknown>, finish: string | null) =>
        `data: ${JSON.stringify({ id: `c${turn}`, object: 'chat.completion.chunk', created: 1, model: parsed.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (turn < steps - 1) {
        for (let index = 0; index < callsPerStep; index++) {
          const args = JSON.stringify({ file_path: 'src/app.ts' });
          response.write(chunk({ tool_calls: [{ index, id: `call_${turn}_${index}`, type: 'function', function: { name: 'Read', arguments: args } }] }, null));
        }
        response.write(chunk({}, 'tool_calls'));
      } else {
        response.write(chunk({ content: 'done' }, 'stop'));
      }
      response.write(`data: ${JSON.stringify({ id: `c${turn}`, object: 'chat.completion.chunk', created: 1, model: parsed.model, choices: [], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } })}\n\n`);
      response.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1` })));
}

async function timeLoop(workspace: string, steps: number, callsPerStep: number): Promise<number> {
  const { server, baseUrl } = await startInstantServer(steps, callsPerStep);
  try {
    const runtime = createLlmRuntime({ provider: 'openai-compatible', providers: { 'openai-compatible': { baseURL: baseUrl } }, model: 'bench-model', tools: [readTool] });
    const agent: AgentDefinition = { name: 'reader', description: 'reads', category: 'bench', runtime: 'llm', tools: ['Read'], maxTurns: steps + 1, prompt: 'Read.', source: 'bench', extra: {} };
    const run = () =>
      runtime.run(
        {
          request: { runId: 'bench', task: taskSpecSchema.parse({ id: 't', agentName: 'reader', prompt: 'Read the app.' }), attempt: 1, executionId: 'bench:t:1', inputs: [], permissions: 'read', context: [] },
          agent,
          workspaceDir: workspace,
          model: 'openai-compatible:bench-model',
        },
        new AbortController().signal,
      );
    await run();
    const start = cpuMicroseconds();
    const rounds = 5;
    for (let index = 0; index < rounds; index++) await run();
    return (cpuMicroseconds() - start) / rounds / 1000;
  } finally {
    server.close();
  }
}

export async function benchToolLoop(): Promise<ToolLoopResult> {
  const workspace = mkdtempSync(join(tmpdir(), 'ensemble-bench-tools-'));
  try {
    const lines = Array.from({ length: 100 }, (_, index) => `export const value${index} = ${index}; // line ${index + 1} of the file`);
    mkdirSync(join(workspace, 'src'));
    writeFileSync(join(workspace, 'src', 'app.ts'), lines.join('\n'));
    const context: ToolContext = { workspaceDir: workspace, signal: new AbortController().signal };
    const events: unknown[] = [];
    const reportEvent = ((_type: string, payload: unknown) => void events.push(payload)) as Parameters<typeof runToolCall>[3];
    const call = { callId: 'c1', toolName: 'Echo', input: { text: 'hello' } };
    const direct = await timeCalls(20_000, () => echoTool.execute({ text: 'hello' }, context));
    const wrapped = await timeCalls(20_000, () => runToolCall(call, echoTool as WorkspaceTool, context, reportEvent));
    const readCall = { callId: 'c2', toolName: 'Read', input: { file_path: 'src/app.ts' } };
    const readCallMicroseconds = await timeCalls(2_000, () => runToolCall(readCall, readTool as WorkspaceTool, context, reportEvent));
    // Steps of the loop: the same 30 steps with one and with three calls each; the difference is the cost of the extra calls.
    const steps = 30;
    const oneCall = await timeLoop(workspace, steps, 1);
    const threeCalls = await timeLoop(workspace, steps, 3);
    return {
      overheadPerToolCallMicroseconds: Math.max(0, wrapped - direct),
      readCallMicroseconds,
      stepMilliseconds: oneCall / steps,
      extraCallInLoopMilliseconds: (threeCalls - oneCall) / ((steps - 1) * 2),
    };
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}
