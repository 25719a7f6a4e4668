import type { TokenUsage } from '../../core/index.js';
import { claudeResultSchema, codexEventSchema, geminiOutputSchema, type ClaudeResult, type GeminiOutput } from './cli-output-schemas.js';

/** What a coding-agent CLI's structured stdout says: an answer, a failure it reported, or nothing readable. */
export type CliOutputReading =
  | {
      readonly kind: 'answer';
      readonly output: string;
      readonly usage: TokenUsage;
      readonly costUsd: number;
      /** Model ids the CLI reported, comma-separated. */
      readonly model?: string;
    }
  | { readonly kind: 'failure'; readonly message: string; readonly usage: TokenUsage; readonly costUsd: number }
  | { readonly kind: 'unreadable'; readonly reason: string };

const toUsage = (inputTokens: number, outputTokens: number): TokenUsage => ({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });
const describeModels = (models: Readonly<Record<string, unknown>> | undefined): string | undefined => {
  const names = Object.keys(models ?? {});
  return names.length === 0 ? undefined : names.join(', ');
};

/**
 * Reads Claude Code's `--output-format json` result (or the final `result` line of `stream-json`).
 * Input tokens count the cached ones too (`cache_creation_input_tokens`, `cache_read_input_tokens`):
 * they were sent, and `total_cost_usd` already prices them.
 */
export function parseClaudeJson(stdout: string): CliOutputReading {
  const document = findClaudeResult(stdout);
  if (typeof document === 'string') return { kind: 'unreadable', reason: document };
  const usage = document.usage;
  const inputTokens = (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0);
  const tokens = toUsage(inputTokens, usage?.output_tokens ?? 0);
  const costUsd = document.total_cost_usd ?? document.cost_usd ?? 0;
  // error_max_turns, error_during_execution: the run stopped short even when is_error is false.
  if (document.is_error === true || document.subtype?.startsWith('error') === true) {
    const detail = document.result?.trim();
    const message = detail === undefined || detail === '' ? `Claude Code stopped with ${document.subtype ?? 'an error'}` : detail;
    return { kind: 'failure', message, usage: tokens, costUsd };
  }
  const model = describeModels(document.modelUsage);
  return { kind: 'answer', output: document.result ?? '', usage: tokens, costUsd, ...(model === undefined ? {} : { model }) };
}

function findClaudeResult(stdout: string): ClaudeResult | string {
  const whole = parseJsonDocument(stdout);
  if (whole.ok) {
    const parsed = claudeResultSchema.safeParse(whole.value);
    if (parsed.success) return parsed.data;
  }
  // stream-json: one event per line, the result last.
  const lines = stdout.split('\n');
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index]!.trim();
    if (!line.startsWith('{')) continue;
    const value = tryParseJson(line);
    if (value === undefined) continue;
    const parsed = claudeResultSchema.safeParse(value);
    if (parsed.success) return parsed.data;
  }
  return whole.ok ? 'the JSON has no {"type": "result"} object' : `not JSON (${whole.reason})`;
}

/**
 * Reads Gemini CLI's `--output-format json` object. Input tokens are `prompt` plus `tool`,
 * output tokens `candidates` plus `thoughts` (reasoning is billed as output), summed over models.
 */
export function parseGeminiJson(stdout: string): CliOutputReading {
  const whole = parseJsonDocument(stdout);
  if (!whole.ok) return { kind: 'unreadable', reason: `not JSON (${whole.reason})` };
  const parsed = geminiOutputSchema.safeParse(whole.value);
  if (!parsed.success || (parsed.data.response === undefined && parsed.data.error === undefined)) {
    return { kind: 'unreadable', reason: 'the JSON has neither "response" nor "error"' };
  }
  const document = parsed.data;
  const usage = geminiUsage(document);
  if (document.error !== undefined && document.error !== null) {
    const { type, message, code } = document.error;
    const where = [type, code === undefined ? undefined : String(code)].filter((part) => part !== undefined).join(' ');
    return { kind: 'failure', message: `${message ?? 'Gemini CLI reported an error'}${where === '' ? '' : ` (${where})`}`, usage, costUsd: 0 };
  }
  const model = describeModels(document.stats?.models);
  return { kind: 'answer', output: document.response ?? '', usage, costUsd: 0, ...(model === undefined ? {} : { model }) };
}

function geminiUsage(document: GeminiOutput): TokenUsage {
  const models = Object.values(document.stats?.models ?? {});
  if (models.length > 0) {
    let inputTokens = 0;
    let outputTokens = 0;
    for (const { tokens } of models) {
      inputTokens += (tokens?.prompt ?? 0) + (tokens?.tool ?? 0);
      outputTokens += (tokens?.candidates ?? 0) + (tokens?.thoughts ?? 0);
    }
    return toUsage(inputTokens, outputTokens);
  }
  return toUsage(document.stats?.inputTokens ?? 0, document.stats?.outputTokens ?? 0);
}

/**
 * Reads `codex exec --json` event lines: the output is the last agent message, usage the sum of
 * the turns' `usage` (or the last legacy `token_count`). A `turn.failed` is a failure; `error`
 * events are too when no agent message followed (Codex also reports retried stream errors there).
 */
export function parseCodexJsonl(stdout: string): CliOutputReading {
  let eventCount = 0;
  let lastMessage: string | undefined;
  let turnFailure: string | undefined;
  let lastError: string | undefined;
  let inputTokens = 0;
  let outputTokens = 0;
  let legacyUsage: TokenUsage | undefined;
  for (const line of stdout.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    const parsed = codexEventSchema.safeParse(tryParseJson(text));
    if (!parsed.success) continue;
    eventCount++;
    const event = parsed.data;
    const itemType = event.item?.type ?? event.item?.item_type;
    if (event.type === 'item.completed' && (itemType === 'agent_message' || itemType === 'assistant_message')) {
      lastMessage = event.item?.text ?? lastMessage;
    } else if (event.type === 'turn.completed') {
      inputTokens += event.usage?.input_tokens ?? 0;
      outputTokens += event.usage?.output_tokens ?? 0;
    } else if (event.type === 'turn.failed') {
      turnFailure = event.error?.message ?? 'Codex reported a failed turn';
    } else if (event.type === 'error') {
      lastError = event.message ?? lastError;
    } else if (event.msg?.type === 'agent_message') {
      lastMessage = event.msg.message ?? lastMessage;
    } else if (event.msg?.type === 'token_count') {
      legacyUsage = toUsage(event.msg.input_tokens ?? 0, event.msg.output_tokens ?? 0);
    } else if (event.msg?.type === 'error') {
      lastError = event.msg.message ?? lastError;
    }
  }
  if (eventCount === 0) return { kind: 'unreadable', reason: 'no JSON event lines' };
  const usage = inputTokens + outputTokens > 0 || legacyUsage === undefined ? toUsage(inputTokens, outputTokens) : legacyUsage;
  if (turnFailure !== undefined) return { kind: 'failure', message: turnFailure, usage, costUsd: 0 };
  if (lastMessage === undefined) {
    if (lastError !== undefined) return { kind: 'failure', message: lastError, usage, costUsd: 0 };
    return { kind: 'unreadable', reason: `no agent message among ${eventCount} events` };
  }
  return { kind: 'answer', output: lastMessage, usage, costUsd: 0 };
}

type JsonDocument = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** The whole text as JSON; failing that, from the first line that opens an object (CLIs print banners first). */
function parseJsonDocument(text: string): JsonDocument {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'stdout is empty' };
  try {
    return { ok: true, value: JSON.parse(trimmed) as unknown };
  } catch (error) {
    const start = trimmed.search(/^\{/m);
    const value = start > 0 ? tryParseJson(trimmed.slice(start)) : undefined;
    if (value !== undefined) return { ok: true, value };
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
