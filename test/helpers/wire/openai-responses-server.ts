import type { ServerResponse } from 'node:http';
import { jsonReply, startProviderServer } from '../provider-servers.js';
import type { ProviderServer, RecordedRequest } from '../provider-servers.js';

/**
 * A scripted OpenAI Responses API server on 127.0.0.1 for the real Codex CLI (`wire_api =
 * "responses"`): `POST /v1/responses` with `stream: true` is answered with the events the API
 * streams (`response.created`, `response.output_item.added`, `response.output_text.delta`,
 * `response.function_call_arguments.delta`, `response.custom_tool_call_input.delta`,
 * `response.output_item.done`, `response.completed` with `usage`), the scripted turn chosen by
 * which of the script's tool calls the request's history already holds, and the
 * `function_call_output` / `custom_tool_call_output` items Codex sends back are recorded.
 */

/** One output item of a scripted reply. */
export type ScriptedOutput =
  | { readonly type: 'message'; readonly text: string }
  /** A JSON function tool (Codex's `exec_command`, `write_stdin`). `callId` defaults to `call_<turn>_<index>`. */
  | { readonly type: 'function_call'; readonly name: string; readonly arguments: Readonly<Record<string, unknown>>; readonly callId?: string }
  /** A freeform tool (Codex's `apply_patch` for the models it knows), its input plain text. */
  | { readonly type: 'custom_tool_call'; readonly name: string; readonly input: string; readonly callId?: string };

/** What the server answers. */
export interface ResponsesScript {
  /**
   * The replies: the reply to a request is the turn after the last one whose tool calls the
   * request's input already holds (so a retried request gets the same turn); past the end, the last
   * turn repeats. A turn should end the conversation with a message, or call tools.
   */
  readonly turns: readonly (readonly ScriptedOutput[])[];
  /** Tokens reported for each reply: input (cached ones included, as the API counts), of which cached, output (reasoning included), of which reasoning. @default 100, 40, 20, 5 */
  readonly usage?: { readonly inputTokens: number; readonly cachedTokens: number; readonly outputTokens: number; readonly reasoningTokens: number };
  /** Every Responses request fails with this HTTP status and error, as the API words them. */
  readonly failure?: { readonly status: number; readonly type: string; readonly message: string; readonly code: string | null };
}

/** A tool result Codex sent back. */
export interface ReceivedToolOutput {
  readonly callId: string;
  readonly type: 'function_call_output' | 'custom_tool_call_output';
  readonly output: string;
}

/** The parts of a Responses request body the server reads. */
export interface ResponsesRequestBody {
  readonly model: string;
  readonly stream: boolean;
  /** Tool names; a namespace or a hosted tool (`web_search`) by its type. */
  readonly tools: readonly string[];
  readonly input: readonly Readonly<Record<string, unknown>>[];
}

export interface OpenAiResponsesServer {
  /** `http://127.0.0.1:PORT/v1`: a Codex provider's `base_url`. */
  readonly baseUrl: string;
  /** Every request received. */
  readonly requests: readonly RecordedRequest[];
  /** The bodies of the `POST /v1/responses` requests, in order. */
  responsesRequests(): readonly ResponsesRequestBody[];
  /** The user's prompts as the model received them: of each request starting a conversation, the last user text. */
  prompts(): readonly string[];
  /** Every tool output sent back, by call id. */
  toolOutputs(): readonly ReceivedToolOutput[];
  close(): Promise<void>;
}

const DEFAULT_USAGE = { inputTokens: 100, cachedTokens: 40, outputTokens: 20, reasoningTokens: 5 } as const;

export async function startOpenAiResponsesServer(script: ResponsesScript): Promise<OpenAiResponsesServer> {
  const server: ProviderServer = await startProviderServer((request, response) => answer(script, request, response));
  const responsesRequests = (): ResponsesRequestBody[] =>
    server.requests.filter((request) => isResponsesPath(request)).flatMap((request) => toResponsesRequest(request.body) ?? []);
  return {
    baseUrl: `${server.url}/v1`,
    requests: server.requests,
    responsesRequests,
    prompts: () =>
      responsesRequests()
        .filter((body) => !body.input.some(isToolCall))
        .flatMap((body) => {
          const lastUser = body.input.filter((item) => item.type === 'message' && item.role === 'user').at(-1);
          const text = lastUser === undefined ? undefined : inputTexts(lastUser.content).at(-1);
          return text === undefined ? [] : [text];
        }),
    toolOutputs: () => {
      const byId = new Map<string, ReceivedToolOutput>();
      for (const body of responsesRequests()) {
        for (const item of body.input) {
          if ((item.type === 'function_call_output' || item.type === 'custom_tool_call_output') && typeof item.call_id === 'string') {
            byId.set(item.call_id, { callId: item.call_id, type: item.type, output: typeof item.output === 'string' ? item.output : JSON.stringify(item.output) });
          }
        }
      }
      return [...byId.values()];
    },
    close: () => server.close(),
  };
}

function answer(script: ResponsesScript, request: RecordedRequest, response: ServerResponse): void {
  const body = isResponsesPath(request) ? toResponsesRequest(request.body) : undefined;
  if (body === undefined) {
    const path = request.url.split('?')[0]!;
    jsonReply(404, { error: { message: `no such endpoint: ${request.method} ${path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } })(request, response);
    return;
  }
  if (script.failure !== undefined) {
    const { status, type, message, code } = script.failure;
    jsonReply(status, { error: { message, type, param: null, code } }, { 'x-request-id': 'req_scripted' })(request, response);
    return;
  }
  const turn = nextTurn(script, body);
  const outputs = script.turns[Math.min(turn, script.turns.length - 1)] ?? [{ type: 'message', text: 'ok' }];
  reply(response, body.model, outputs, turn, script.usage ?? DEFAULT_USAGE);
}

/** The turn after the last one whose tool calls the request already carries: the history says how far the conversation went. */
function nextTurn(script: ResponsesScript, body: ResponsesRequestBody): number {
  const callIds = new Set(body.input.filter(isToolCall).map((item) => item.call_id));
  let turn = 0;
  script.turns.forEach((outputs, index) => {
    if (outputs.some((output, outputIndex) => output.type !== 'message' && callIds.has(callIdOf(output, index, outputIndex)))) turn = index + 1;
  });
  return turn;
}

function callIdOf(output: Exclude<ScriptedOutput, { type: 'message' }>, turn: number, index: number): string {
  return output.callId ?? `call_${turn}_${index}`;
}

function reply(response: ServerResponse, model: string, outputs: readonly ScriptedOutput[], turn: number, usage: NonNullable<ResponsesScript['usage']>): void {
  const id = `resp_scripted_${turn}_${Math.random().toString(36).slice(2, 10)}`;
  const items = outputs.map((output, index) => toItem(output, turn, index));
  const base = { id, object: 'response', created_at: 1_700_000_000, model };
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_scripted' });
  let sequence = 0;
  const send = (type: string, data: Record<string, unknown>): void => {
    response.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
  };
  send('response.created', { response: { ...base, status: 'in_progress', output: [] } });
  send('response.in_progress', { response: { ...base, status: 'in_progress', output: [] } });
  items.forEach((item, index) => {
    const itemId = String(item.id);
    if (item.type === 'message') {
      const text = (outputs[index] as { text: string }).text;
      send('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', content: [] } });
      send('response.content_part.added', { item_id: itemId, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      // The API streams text in pieces cut anywhere; two show the client joins them.
      for (const delta of halves(text)) send('response.output_text.delta', { item_id: itemId, output_index: index, content_index: 0, delta });
      send('response.output_text.done', { item_id: itemId, output_index: index, content_index: 0, text });
      send('response.content_part.done', { item_id: itemId, output_index: index, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
    } else if (item.type === 'function_call') {
      send('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of halves(String(item.arguments))) send('response.function_call_arguments.delta', { item_id: itemId, output_index: index, delta });
      send('response.function_call_arguments.done', { item_id: itemId, output_index: index, arguments: item.arguments });
    } else {
      send('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', input: '' } });
      for (const delta of halves(String(item.input))) send('response.custom_tool_call_input.delta', { item_id: itemId, output_index: index, delta });
      send('response.custom_tool_call_input.done', { item_id: itemId, output_index: index, input: item.input });
    }
    send('response.output_item.done', { output_index: index, item });
  });
  send('response.completed', {
    response: {
      ...base,
      status: 'completed',
      output: items,
      usage: {
        input_tokens: usage.inputTokens,
        input_tokens_details: { cached_tokens: usage.cachedTokens },
        output_tokens: usage.outputTokens,
        output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
        total_tokens: usage.inputTokens + usage.outputTokens,
      },
    },
  });
  response.end();
}

function toItem(output: ScriptedOutput, turn: number, index: number): Record<string, unknown> {
  switch (output.type) {
    case 'message':
      return { type: 'message', id: `msg_${turn}_${index}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: output.text, annotations: [] }] };
    case 'function_call':
      return { type: 'function_call', id: `fc_${turn}_${index}`, call_id: callIdOf(output, turn, index), name: output.name, arguments: JSON.stringify(output.arguments), status: 'completed' };
    case 'custom_tool_call':
      return { type: 'custom_tool_call', id: `ctc_${turn}_${index}`, call_id: callIdOf(output, turn, index), name: output.name, input: output.input, status: 'completed' };
  }
}

function halves(text: string): string[] {
  const cut = Math.floor(text.length / 2);
  return [text.slice(0, cut), text.slice(cut)];
}

function isResponsesPath(request: RecordedRequest): boolean {
  return request.method === 'POST' && request.url.split('?')[0] === '/v1/responses';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isToolCall(item: Readonly<Record<string, unknown>>): item is Readonly<Record<string, unknown>> & { readonly call_id: string } {
  return (item.type === 'function_call' || item.type === 'custom_tool_call') && typeof item.call_id === 'string';
}

function toResponsesRequest(body: unknown): ResponsesRequestBody | undefined {
  if (!isRecord(body) || typeof body.model !== 'string' || !Array.isArray(body.input)) return undefined;
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord).map((tool) => String(tool.name ?? tool.type)) : [];
  return { model: body.model, stream: body.stream === true, tools, input: body.input.filter(isRecord) };
}

/** The texts of a message's content: a string, or its `input_text` parts. */
function inputTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.filter(isRecord).flatMap((part) => (part.type === 'input_text' && typeof part.text === 'string' ? [part.text] : []));
}
