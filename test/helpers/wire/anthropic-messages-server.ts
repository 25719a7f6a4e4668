import type { ServerResponse } from 'node:http';
import { jsonReply, startProviderServer } from '../provider-servers.js';
import type { ProviderServer, RecordedRequest } from '../provider-servers.js';

/**
 * A scripted Anthropic Messages server on 127.0.0.1 for the real Claude Code CLI: the main loop's
 * turns are played from a script (text and `tool_use` blocks, the tool input streamed as
 * `input_json_delta`s), the tool results Claude Code sends back are recorded, and every side
 * request Claude Code 2.1 makes is answered so nothing waits: the `HEAD /` reachability probe,
 * session-title calls (no tools, a JSON-schema output), token counting and `/v1/models`.
 */

/** One content block of a scripted reply. */
export type ScriptedBlock =
  | { readonly type: 'text'; readonly text: string }
  /** `id` defaults to `toolu_<turn>_<index>`. */
  | { readonly type: 'tool_use'; readonly name: string; readonly input: Readonly<Record<string, unknown>>; readonly id?: string };

/** What the server answers. */
export interface MessagesScript {
  /**
   * The main loop's replies: the reply to a request is the turn numbered by how many assistant
   * messages the request already carries (so a retried request gets the same turn); past the end,
   * the last turn repeats.
   */
  readonly turns: readonly (readonly ScriptedBlock[])[];
  /** The model id the replies name; a real id makes Claude Code price the tokens. @default the request's model */
  readonly model?: string;
  /** Tokens reported for each reply (main loop and side calls alike). @default 100 in, 20 out */
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** Every Messages request fails with this HTTP status and error, as the API words them. */
  readonly failure?: { readonly status: number; readonly type: string; readonly message: string };
}

/** A `tool_result` block Claude Code sent back. */
export interface ReceivedToolResult {
  readonly toolUseId: string;
  /** The result's text (text blocks joined). */
  readonly content: string;
  readonly isError: boolean;
}

export interface AnthropicMessagesServer {
  /** `http://127.0.0.1:PORT`: Claude Code's ANTHROPIC_BASE_URL. */
  readonly url: string;
  /** Every request received, side requests included. */
  readonly requests: readonly RecordedRequest[];
  /** The Messages requests of the main loop (those offering tools), in order. */
  mainRequests(): readonly MessagesRequestBody[];
  /** The user's prompts as the model received them: of each session's first main request, the last text block of its first user message. */
  prompts(): readonly string[];
  /** Every tool result sent back, by tool-use id, from the main requests. */
  toolResults(): readonly ReceivedToolResult[];
  close(): Promise<void>;
}

/** The parts of a Messages request body the server reads. */
export interface MessagesRequestBody {
  readonly model: string;
  readonly stream: boolean;
  readonly tools: readonly { readonly name: string }[];
  readonly messages: readonly { readonly role: string; readonly content: unknown }[];
  readonly outputFormat: boolean;
}

const DEFAULT_INPUT_TOKENS = 100;
const DEFAULT_OUTPUT_TOKENS = 20;

export async function startAnthropicMessagesServer(script: MessagesScript): Promise<AnthropicMessagesServer> {
  const server: ProviderServer = await startProviderServer((request, response) => answer(script, request, response));
  const mainRequests = (): MessagesRequestBody[] =>
    server.requests
      .filter((request) => isMessagesPath(request.url))
      .map((request) => toMessagesRequest(request.body))
      .filter((body): body is MessagesRequestBody => body !== undefined && body.tools.length > 0);
  return {
    url: server.url,
    requests: server.requests,
    mainRequests,
    prompts: () =>
      mainRequests()
        .filter((body) => !body.messages.some((message) => message.role === 'assistant'))
        .flatMap((body) => {
          const first = body.messages.find((message) => message.role === 'user');
          const text = first === undefined ? undefined : textBlocks(first.content).at(-1);
          return text === undefined ? [] : [text];
        }),
    toolResults: () => {
      const byId = new Map<string, ReceivedToolResult>();
      for (const body of mainRequests()) {
        for (const message of body.messages) {
          if (message.role !== 'user' || !Array.isArray(message.content)) continue;
          for (const block of message.content as unknown[]) {
            if (!isRecord(block) || block.type !== 'tool_result' || typeof block.tool_use_id !== 'string') continue;
            const content = typeof block.content === 'string' ? block.content : textBlocks(block.content).join('\n');
            byId.set(block.tool_use_id, { toolUseId: block.tool_use_id, content, isError: block.is_error === true });
          }
        }
      }
      return [...byId.values()];
    },
    close: () => server.close(),
  };
}

function answer(script: MessagesScript, request: RecordedRequest, response: ServerResponse): void {
  const path = request.url.split('?')[0]!;
  // Claude Code probes the base URL before its first call.
  if (request.method === 'HEAD') {
    response.writeHead(200).end();
    return;
  }
  if (path === '/v1/models') {
    const id = script.model ?? 'claude-sonnet-4-5-20250929';
    jsonReply(200, { data: [{ type: 'model', id, display_name: id, created_at: '2025-09-29T00:00:00Z' }], has_more: false, first_id: id, last_id: id })(request, response);
    return;
  }
  if (path === '/v1/messages/count_tokens') {
    jsonReply(200, { input_tokens: script.inputTokens ?? DEFAULT_INPUT_TOKENS })(request, response);
    return;
  }
  const body = isMessagesPath(request.url) ? toMessagesRequest(request.body) : undefined;
  if (body === undefined) {
    jsonReply(404, { type: 'error', error: { type: 'not_found_error', message: `no such endpoint: ${request.method} ${path}` } })(request, response);
    return;
  }
  if (script.failure !== undefined) {
    const { status, type, message } = script.failure;
    jsonReply(status, { type: 'error', error: { type, message } }, { 'request-id': 'req_scripted' })(request, response);
    return;
  }
  const model = script.model ?? body.model;
  const usage = { inputTokens: script.inputTokens ?? DEFAULT_INPUT_TOKENS, outputTokens: script.outputTokens ?? DEFAULT_OUTPUT_TOKENS };
  // Side calls (session titles) offer no tools; a title call asks for JSON with a `title`.
  if (body.tools.length === 0) {
    const text = body.outputFormat ? JSON.stringify({ title: 'Scripted session' }) : 'ok';
    reply(response, body.stream, model, [{ type: 'text', text }], 0, usage);
    return;
  }
  const turn = body.messages.filter((message) => message.role === 'assistant').length;
  const blocks = script.turns[Math.min(turn, script.turns.length - 1)] ?? [{ type: 'text', text: 'ok' }];
  reply(response, body.stream, model, blocks, turn, usage);
}

function reply(
  response: ServerResponse,
  stream: boolean,
  model: string,
  blocks: readonly ScriptedBlock[],
  turn: number,
  usage: { readonly inputTokens: number; readonly outputTokens: number },
): void {
  const content = blocks.map((block, index) => (block.type === 'text' ? block : { type: 'tool_use' as const, id: block.id ?? `toolu_${turn}_${index}`, name: block.name, input: block.input }));
  const stopReason = content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const id = `msg_scripted_${turn}_${Math.random().toString(36).slice(2, 10)}`;
  if (!stream) {
    writeJson(response, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_scripted' });
  response.write(
    sse('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    }),
  );
  content.forEach((block, index) => {
    if (block.type === 'text') {
      response.write(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      response.write(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } }));
    } else {
      response.write(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }));
      // The API streams a tool's input as JSON fragments cut anywhere; two pieces show the client joins them.
      const json = JSON.stringify(block.input);
      const cut = Math.floor(json.length / 2);
      for (const partial of [json.slice(0, cut), json.slice(cut)]) {
        response.write(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } }));
      }
    }
    response.write(sse('content_block_stop', { type: 'content_block_stop', index }));
  });
  response.write(sse('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.outputTokens } }));
  response.end(sse('message_stop', { type: 'message_stop' }));
}

function writeJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_scripted' });
  response.end(JSON.stringify(body));
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function isMessagesPath(url: string): boolean {
  return url.split('?')[0] === '/v1/messages';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toMessagesRequest(body: unknown): MessagesRequestBody | undefined {
  if (!isRecord(body) || typeof body.model !== 'string' || !Array.isArray(body.messages)) return undefined;
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord).map((tool) => ({ name: String(tool.name) })) : [];
  const messages = body.messages.filter(isRecord).map((message) => ({ role: String(message.role), content: message.content }));
  const outputConfig = isRecord(body.output_config) ? body.output_config : {};
  return { model: body.model, stream: body.stream === true, tools, messages, outputFormat: isRecord(outputConfig.format) };
}

/** The texts of a message's content: a string, or its `text` blocks. */
function textBlocks(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.filter(isRecord).flatMap((block) => (block.type === 'text' && typeof block.text === 'string' ? [block.text] : []));
}
