import type { ServerResponse } from 'node:http';
import { jsonReply, openAiModelsReply, startProviderServer } from '../provider-servers.js';
import type { ProviderServer, RecordedRequest } from '../provider-servers.js';

/**
 * A scripted OpenAI Chat Completions server on 127.0.0.1 that streams tool calls, as OpenAI,
 * Ollama's `/v1`, vLLM and other OpenAI-compatible servers do: `POST …/chat/completions` with
 * `stream: true` is answered with `chat.completion.chunk` events — text as `delta.content`, each
 * tool call as `delta.tool_calls` (id, type and name first, the arguments in two fragments cut
 * anywhere), `finish_reason` `tool_calls` or `stop`, then a usage chunk and `[DONE]`. The reply to a
 * request is the turn numbered by how many assistant messages the request carries (a retried
 * request gets the same turn); the `tool` messages sent back are recorded.
 */

/** One part of a scripted reply. */
export type ChatScriptedPart =
  | { readonly type: 'text'; readonly text: string }
  /** `arguments` as an object is sent as its JSON; as a string, sent as it is (to script malformed JSON). `id` defaults to `call_<turn>_<index>`. */
  | { readonly type: 'tool_call'; readonly name: string; readonly arguments: Readonly<Record<string, unknown>> | string; readonly id?: string };

/** What the server answers. */
export interface ChatToolScript {
  /** The replies; past the end, the last turn repeats. */
  readonly turns: readonly (readonly ChatScriptedPart[])[];
  /** The replies for one request instead of `turns`, chosen from it (by its prompt or tools): one script per agent of a workflow. */
  readonly turnsFor?: (body: ChatRequestBody) => readonly (readonly ChatScriptedPart[])[];
  /** Models listed at `GET …/models`, as vLLM or Ollama's `/v1` list theirs. @default none (404) */
  readonly models?: readonly string[];
  /** Tokens reported for each reply. @default 100 in, 20 out */
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

/** A `tool` message sent back. */
export interface ReceivedChatToolResult {
  readonly toolCallId: string;
  readonly content: string;
}

/** The parts of a Chat Completions request body the server reads. */
export interface ChatRequestBody {
  readonly model: string;
  readonly stream: boolean;
  /** Names of the offered function tools. */
  readonly tools: readonly string[];
  readonly messages: readonly { readonly role: string; readonly content: unknown; readonly tool_call_id?: string }[];
}

export interface OpenAiChatToolServer {
  /** `http://127.0.0.1:PORT/v1`: the provider's base URL. */
  readonly baseUrl: string;
  readonly requests: readonly RecordedRequest[];
  /** The Chat Completions request bodies, in order. */
  chatRequests(): readonly ChatRequestBody[];
  /** Every tool result sent back, by call id (the latest request's copy). */
  toolResults(): readonly ReceivedChatToolResult[];
  close(): Promise<void>;
}

const DEFAULT_INPUT_TOKENS = 100;
const DEFAULT_OUTPUT_TOKENS = 20;

export async function startOpenAiChatToolServer(script: ChatToolScript): Promise<OpenAiChatToolServer> {
  const server: ProviderServer = await startProviderServer((request, response) => answer(script, request, response));
  const chatRequests = (): ChatRequestBody[] =>
    server.requests.filter((request) => isChatPath(request.url)).flatMap((request) => toChatRequest(request.body) ?? []);
  return {
    baseUrl: `${server.url}/v1`,
    requests: server.requests,
    chatRequests,
    toolResults: () => {
      const byId = new Map<string, ReceivedChatToolResult>();
      for (const body of chatRequests()) {
        for (const message of body.messages) {
          if (message.role !== 'tool' || message.tool_call_id === undefined) continue;
          byId.set(message.tool_call_id, { toolCallId: message.tool_call_id, content: textOf(message.content) });
        }
      }
      return [...byId.values()];
    },
    close: () => server.close(),
  };
}

function answer(script: ChatToolScript, request: RecordedRequest, response: ServerResponse): void {
  if (script.models !== undefined && request.method === 'GET' && request.url.split('?')[0]!.endsWith('/models')) {
    openAiModelsReply(script.models)(request, response);
    return;
  }
  const body = isChatPath(request.url) ? toChatRequest(request.body) : undefined;
  if (body === undefined) {
    jsonReply(404, { error: { message: `no such endpoint: ${request.method} ${request.url}`, type: 'invalid_request_error', code: null } })(request, response);
    return;
  }
  const turn = body.messages.filter((message) => message.role === 'assistant').length;
  const turns = script.turnsFor?.(body) ?? script.turns;
  const parts = turns[Math.min(turn, turns.length - 1)] ?? [{ type: 'text', text: 'ok' }];
  const model = body.model;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null): string =>
    sse({ id: `chatcmpl-${turn}`, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finishReason }] });
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.write(chunk({ role: 'assistant', content: '' }, null));
  let toolIndex = 0;
  parts.forEach((part, index) => {
    if (part.type === 'text') {
      response.write(chunk({ content: part.text }, null));
      return;
    }
    const id = part.id ?? `call_${turn}_${index}`;
    const json = typeof part.arguments === 'string' ? part.arguments : JSON.stringify(part.arguments);
    const cut = Math.floor(json.length / 2);
    response.write(chunk({ tool_calls: [{ index: toolIndex, id, type: 'function', function: { name: part.name, arguments: '' } }] }, null));
    for (const fragment of [json.slice(0, cut), json.slice(cut)]) {
      response.write(chunk({ tool_calls: [{ index: toolIndex, function: { arguments: fragment } }] }, null));
    }
    toolIndex++;
  });
  response.write(chunk({}, toolIndex > 0 ? 'tool_calls' : 'stop'));
  const inputTokens = script.inputTokens ?? DEFAULT_INPUT_TOKENS;
  const outputTokens = script.outputTokens ?? DEFAULT_OUTPUT_TOKENS;
  response.write(
    sse({
      id: `chatcmpl-${turn}`,
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model,
      choices: [],
      usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
    }),
  );
  response.end('data: [DONE]\n\n');
}

function sse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function isChatPath(url: string): boolean {
  return url.split('?')[0]!.endsWith('/chat/completions');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toChatRequest(body: unknown): ChatRequestBody | undefined {
  if (!isRecord(body) || typeof body.model !== 'string' || !Array.isArray(body.messages)) return undefined;
  const tools = Array.isArray(body.tools)
    ? body.tools.filter(isRecord).flatMap((tool) => (isRecord(tool.function) && typeof tool.function.name === 'string' ? [tool.function.name] : []))
    : [];
  const messages = body.messages.filter(isRecord).map((message) => ({
    role: String(message.role),
    content: message.content,
    ...(typeof message.tool_call_id === 'string' ? { tool_call_id: message.tool_call_id } : {}),
  }));
  return { model: body.model, stream: body.stream === true, tools, messages };
}

/** A message's text: a string, or its `text` parts joined. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.filter(isRecord).flatMap((part) => (part.type === 'text' && typeof part.text === 'string' ? [part.text] : [])).join('\n');
}
