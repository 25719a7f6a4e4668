import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local HTTP servers that speak the model providers' wire protocols (OpenAI Chat Completions,
 * Anthropic Messages, Google generateContent, Ollama's OpenAI-compatible API) on 127.0.0.1, so
 * the `llm` runtime is tested through the real AI SDK clients and real sockets.
 */

/** A request the server received, body parsed as JSON when it is JSON. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** Writes one response. */
export type Reply = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface ProviderServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replies for the next requests, in order; when the queue is empty the default reply answers. */
  enqueue(...replies: Reply[]): void;
  /** Answers every request whose path (without the query) is `path` with `reply`, before the queue and the default. */
  route(path: string, reply: Reply): void;
  setDefault(reply: Reply): void;
  /** Resolves when a client has closed a connection whose response had not ended. */
  waitForAbandonedResponse(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startProviderServer(defaultReply?: Reply): Promise<ProviderServer> {
  const queue: Reply[] = [];
  const routes = new Map<string, Reply>();
  let fallback: Reply = defaultReply ?? ((_, response) => jsonReply(404, { error: { message: 'no reply queued' } })(_, response));
  const requests: RecordedRequest[] = [];
  let abandoned = 0;
  const abandonWaiters: (() => void)[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      const recorded: RecordedRequest = { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body };
      requests.push(recorded);
      response.on('close', () => {
        if (!response.writableFinished) {
          abandoned++;
          for (const waiter of abandonWaiters.splice(0)) waiter();
        }
      });
      const reply = routes.get(recorded.url.split('?')[0]!) ?? queue.shift() ?? fallback;
      void Promise.resolve(reply(recorded, response)).catch((error: unknown) => {
        response.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...replies) => void queue.push(...replies),
    route: (path, reply) => void routes.set(path, reply),
    setDefault: (reply) => {
      fallback = reply;
    },
    waitForAbandonedResponse: (timeoutMs = 5000) =>
      new Promise<void>((resolve, reject) => {
        if (abandoned > 0) {
          resolve();
          return;
        }
        const timer = setTimeout(() => reject(new Error('no response was abandoned by the client')), timeoutMs);
        abandonWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- generic replies

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (_, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
}

function startSse(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

function sseData(data: unknown, event?: string): string {
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/** 200 with an event stream whose data is not JSON. */
export function malformedStreamReply(): Reply {
  return (_, response) => {
    startSse(response);
    response.end(sseData('{"this is": not json') + sseData('[DONE]'));
  };
}

/** Headers and `firstChunk`, then nothing: the connection stays open until the client gives up. */
export function stalledReply(firstChunk: string): Reply {
  return (_, response) => {
    startSse(response);
    response.write(firstChunk);
  };
}

// ---------------------------------------------------------------- protocols

/** Ollama's `GET /api/tags`: the models the server has pulled. */
export function ollamaTagsReply(models: readonly string[]): Reply {
  return jsonReply(200, { models: models.map((name) => ({ name, model: name, size: 1, digest: 'sha256:test', details: {} })) });
}

/** OpenAI's `GET /v1/models`, as vLLM, llama.cpp and LM Studio serve it. */
export function openAiModelsReply(models: readonly string[]): Reply {
  return jsonReply(200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'local' })) });
}

export interface StreamScript {
  readonly model: string;
  readonly chunks: readonly string[];
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** OpenAI Chat Completions streaming (also Ollama's /v1 and OpenAI-compatible servers): usage in a last chunk, as with `stream_options.include_usage`. */
export function openAiStreamReply(script: StreamScript): Reply {
  return (_, response) => {
    startSse(response);
    response.write(openAiChunk(script.model, { role: 'assistant', content: '' }, null));
    for (const text of script.chunks) response.write(openAiChunk(script.model, { content: text }, null));
    response.write(openAiChunk(script.model, {}, 'stop'));
    response.write(
      sseData({
        id: 'chatcmpl-test',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: script.model,
        choices: [],
        usage: { prompt_tokens: script.inputTokens, completion_tokens: script.outputTokens, total_tokens: script.inputTokens + script.outputTokens },
      }),
    );
    response.end(sseData('[DONE]'));
  };
}

export function openAiChunk(model: string, delta: Record<string, unknown>, finishReason: string | null): string {
  return sseData({
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
}

export function openAiErrorReply(status: number, message: string, headers: Record<string, string> = {}): Reply {
  return jsonReply(status, { error: { message, type: status === 429 ? 'rate_limit_exceeded' : 'server_error', code: null } }, headers);
}

/** Anthropic Messages streaming: message_start (input usage), content_block_delta…, message_delta (output usage), message_stop. */
export function anthropicStreamReply(script: StreamScript): Reply {
  return (_, response) => {
    startSse(response);
    response.write(anthropicStart(script.model, script.inputTokens));
    response.write(anthropicBlockStart());
    response.write(sseData({ type: 'ping' }, 'ping'));
    for (const text of script.chunks) response.write(anthropicDelta(text));
    response.write(sseData({ type: 'content_block_stop', index: 0 }, 'content_block_stop'));
    response.write(
      sseData({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: script.outputTokens } }, 'message_delta'),
    );
    response.end(sseData({ type: 'message_stop' }, 'message_stop'));
  };
}

export function anthropicStart(model: string, inputTokens: number): string {
  return sseData(
    {
      type: 'message_start',
      message: {
        id: 'msg_test',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: 1 },
      },
    },
    'message_start',
  );
}

export function anthropicBlockStart(): string {
  return sseData({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
}

export function anthropicDelta(text: string): string {
  return sseData({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta');
}

export function anthropicErrorReply(status: number, message: string, headers: Record<string, string> = {}): Reply {
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  return jsonReply(status, { type: 'error', error: { type, message } }, headers);
}

/** Google streamGenerateContent with `alt=sse`: candidates with text parts, cumulative usageMetadata. */
export function googleStreamReply(script: StreamScript): Reply {
  return (_, response) => {
    startSse(response);
    script.chunks.forEach((text, index) => {
      const isLast = index === script.chunks.length - 1;
      response.write(googleChunk(text, isLast ? 'STOP' : undefined, script.inputTokens, isLast ? script.outputTokens : index + 1, script.model));
    });
    response.end();
  };
}

export function googleChunk(text: string, finishReason: string | undefined, promptTokens: number, outputTokens: number, model: string): string {
  return sseData({
    candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0, ...(finishReason === undefined ? {} : { finishReason }) }],
    usageMetadata: { promptTokenCount: promptTokens, candidatesTokenCount: outputTokens, totalTokenCount: promptTokens + outputTokens },
    modelVersion: model,
  });
}

export function googleErrorReply(status: number, message: string, headers: Record<string, string> = {}): Reply {
  const statusName = status === 429 ? 'RESOURCE_EXHAUSTED' : status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT';
  return jsonReply(status, { error: { code: status, message, status: statusName } }, headers);
}
