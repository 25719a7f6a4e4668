import type { ServerResponse } from 'node:http';
import { jsonReply, startProviderServer } from '../provider-servers.js';
import type { RecordedRequest, Reply } from '../provider-servers.js';

/**
 * A scripted Google Generative Language server (`/v1beta/models/<model>:<method>`) for Gemini CLI:
 * the main model's `streamGenerateContent?alt=sse` calls take the script's turns in order (text,
 * or `functionCall` parts the CLI must answer with `functionResponse` parts), and the CLI's utility
 * calls (`generateContent` with a JSON schema: the router's complexity score, the next-speaker
 * check, loop detection) get a schema-shaped answer, so the run never depends on a real model.
 */

/** A tool call the model makes. */
export interface GoogleFunctionCall {
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** One answer of the main model: text, or tool calls. */
export type GoogleTurn = { readonly text: string } | { readonly calls: readonly GoogleFunctionCall[] };

/** Token counts each answer reports in `usageMetadata`. */
export interface GoogleTurnUsage {
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly thoughtsTokens: number;
}

export interface GoogleGenerateServerOptions {
  /** The main model's answers, in order; once they are used up it answers {@link FINAL_TEXT}. */
  readonly turns?: readonly GoogleTurn[];
  /** Answers every request with this HTTP status and Google's error body. */
  readonly failWith?: { readonly status: number; readonly message: string };
  /** Usage of each main-model answer. @default {promptTokens: 1200, outputTokens: 30, thoughtsTokens: 10} */
  readonly mainUsage?: GoogleTurnUsage;
  /** Usage of each utility (router, next-speaker) answer. @default {promptTokens: 300, outputTokens: 20, thoughtsTokens: 0} */
  readonly utilityUsage?: GoogleTurnUsage;
}

/** A `functionResponse` part the CLI sent back. */
export interface ReturnedFunctionResponse {
  readonly name: string;
  readonly response: Readonly<Record<string, unknown>>;
}

export interface GoogleGenerateServer {
  /** `http://127.0.0.1:PORT`: the value of GOOGLE_GEMINI_BASE_URL. */
  readonly url: string;
  /** Every request, in order. */
  readonly requests: readonly RecordedRequest[];
  /** The main model's requests (`streamGenerateContent`). */
  mainRequests(): RecordedRequest[];
  /** The `functionResponse` parts of the main requests, in order: how the tool results came back. */
  functionResponses(): ReturnedFunctionResponse[];
  /** Names of the tools the first main request offered. */
  offeredTools(): string[];
  /** The user's text parts of the first main request (Gemini CLI puts its session context first). */
  userTexts(): string[];
  close(): Promise<void>;
}

/** What the main model says once the script is used up. */
export const FINAL_TEXT = 'All done.';

const GOOGLE_STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** Google's error body: `{"error": {"code", "message", "status"}}`. */
export function googleApiErrorReply(status: number, message: string): Reply {
  return jsonReply(status, { error: { code: status, message, status: GOOGLE_STATUS_NAMES[status] ?? 'UNKNOWN' } });
}

export async function startGoogleGenerateServer(options: GoogleGenerateServerOptions = {}): Promise<GoogleGenerateServer> {
  const turns = [...(options.turns ?? [])];
  const mainUsage = options.mainUsage ?? { promptTokens: 1200, outputTokens: 30, thoughtsTokens: 10 };
  const utilityUsage = options.utilityUsage ?? { promptTokens: 300, outputTokens: 20, thoughtsTokens: 0 };
  const failure = options.failWith;
  const server = await startProviderServer((request, response) => {
    if (failure !== undefined) return googleApiErrorReply(failure.status, failure.message)(request, response);
    const { model, method } = parseModelPath(request.url);
    if (method === 'streamGenerateContent') return streamTurn(response, turns.shift() ?? { text: FINAL_TEXT }, model, mainUsage);
    if (method === 'generateContent') return jsonReply(200, utilityAnswer(request.body, model, utilityUsage))(request, response);
    if (method === 'countTokens') return jsonReply(200, { totalTokens: 100 })(request, response);
    return googleApiErrorReply(404, `no such method: ${request.url}`)(request, response);
  });
  const mainRequests = (): RecordedRequest[] => server.requests.filter((request) => parseModelPath(request.url).method === 'streamGenerateContent');
  return {
    url: server.url,
    requests: server.requests,
    mainRequests,
    functionResponses: () => mainRequests().flatMap((request) => lastUserParts(request.body).flatMap(toFunctionResponse)),
    offeredTools: () => offeredToolNames(mainRequests()[0]?.body),
    userTexts: () => userTexts(mainRequests()[0]?.body),
    close: () => server.close(),
  };
}

function parseModelPath(url: string): { model: string; method: string } {
  const match = /\/models\/([^/:?]+):([A-Za-z]+)/.exec(url);
  return { model: match?.[1] ?? 'unknown', method: match?.[2] ?? '' };
}

function usageMetadata(usage: GoogleTurnUsage): Record<string, number> {
  return {
    promptTokenCount: usage.promptTokens,
    candidatesTokenCount: usage.outputTokens,
    thoughtsTokenCount: usage.thoughtsTokens,
    totalTokenCount: usage.promptTokens + usage.outputTokens + usage.thoughtsTokens,
  };
}

/** One SSE stream: the parts in a first chunk, then an empty last chunk with the finish reason and usage, as Google streams them. */
function streamTurn(response: ServerResponse, turn: GoogleTurn, model: string, usage: GoogleTurnUsage): void {
  const parts = 'text' in turn ? [{ text: turn.text }] : turn.calls.map((call) => ({ functionCall: { name: call.name, args: call.args } }));
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (candidate: Record<string, unknown>, withUsage: boolean): string =>
    `data: ${JSON.stringify({ candidates: [{ index: 0, ...candidate }], ...(withUsage ? { usageMetadata: usageMetadata(usage) } : {}), modelVersion: model })}\r\n\r\n`;
  response.write(chunk({ content: { role: 'model', parts } }, false));
  response.end(chunk({ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' }, true));
}

/** A utility call's JSON answer, shaped by the schema it asked for (the router's score: simple; next speaker: the user). */
function utilityAnswer(body: unknown, model: string, usage: GoogleTurnUsage): Record<string, unknown> {
  const config = readRecord(readRecord(body)?.['generationConfig']);
  const schema = config?.['responseJsonSchema'] ?? config?.['responseSchema'];
  const text = schema === undefined ? 'ok' : JSON.stringify(sampleFromSchema(schema, ''));
  return { candidates: [{ index: 0, content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP' }], usageMetadata: usageMetadata(usage), modelVersion: model };
}

const SAMPLE_VALUES: Readonly<Record<string, unknown>> = { complexity_score: 10, next_speaker: 'user', model_choice: 'flash' };

function sampleFromSchema(schema: unknown, name: string): unknown {
  if (name in SAMPLE_VALUES) return SAMPLE_VALUES[name];
  const record = readRecord(schema);
  const choices = record?.['enum'];
  if (Array.isArray(choices) && choices.length > 0) return choices[0];
  switch (String(record?.['type'] ?? 'string').toLowerCase()) {
    case 'object': {
      const properties = readRecord(record?.['properties']) ?? {};
      return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, sampleFromSchema(value, key)]));
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    default:
      return 'ok';
  }
}

function readRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const isRecord = (value: Record<string, unknown> | undefined): value is Record<string, unknown> => value !== undefined;

function contentsOf(body: unknown): Record<string, unknown>[] {
  const contents = readRecord(body)?.['contents'];
  return Array.isArray(contents) ? contents.map(readRecord).filter(isRecord) : [];
}

function partsOf(content: Record<string, unknown> | undefined): Record<string, unknown>[] {
  const parts = content?.['parts'];
  return Array.isArray(parts) ? parts.map(readRecord).filter(isRecord) : [];
}

function lastUserParts(body: unknown): Record<string, unknown>[] {
  return partsOf(contentsOf(body).findLast((content) => content['role'] === 'user'));
}

function toFunctionResponse(part: Record<string, unknown>): ReturnedFunctionResponse[] {
  const functionResponse = readRecord(part['functionResponse']);
  if (functionResponse === undefined) return [];
  return [{ name: String(functionResponse['name']), response: readRecord(functionResponse['response']) ?? {} }];
}

function offeredToolNames(body: unknown): string[] {
  const tools = readRecord(body)?.['tools'];
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((tool) => {
    const declarations = readRecord(tool)?.['functionDeclarations'];
    return Array.isArray(declarations) ? declarations.map((declaration) => String(readRecord(declaration)?.['name'])) : [];
  });
}

function userTexts(body: unknown): string[] {
  return contentsOf(body)
    .filter((content) => content['role'] === 'user')
    .flatMap((content) => partsOf(content).flatMap((part) => (typeof part['text'] === 'string' ? [part['text']] : [])));
}
