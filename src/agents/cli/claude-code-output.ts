import { z } from 'zod';
import { optionalText, tokenCount } from './cli-output-fields.js';
import { categoriseHttpStatus, NO_CLI_ACTIVITY, parseJsonDocument, toUsage, tryParseJson } from './cli-output-reading.js';
import type { CliActivity, CliFailureCategory, CliOutputReading, CliProcessOutput } from './cli-output-reading.js';
import type { TokenUsage, ToolRefusal } from '../../core/index.js';


/** The usage block of Claude Code's result (the Anthropic Messages API's field names): the main loop only. */
const claudeUsageSchema = z.looseObject({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: tokenCount,
  cache_read_input_tokens: tokenCount,
});

/** One model's entry in `modelUsage`: every call to that model, side calls (session titles) included. */
const claudeModelUsageSchema = z.looseObject({
  inputTokens: tokenCount,
  outputTokens: tokenCount,
  cacheReadInputTokens: tokenCount,
  cacheCreationInputTokens: tokenCount,
  costUSD: tokenCount,
});

/** A tool call Claude Code refused under its permission mode: `{tool_name, tool_use_id, tool_input}`. */
const claudePermissionDenialSchema = z.looseObject({
  tool_name: z.string(),
  tool_input: z.record(z.string(), z.unknown()).optional().catch(undefined),
});

/**
 * Claude Code's `-p --output-format json` document (also the last line of `stream-json`), as
 * Claude Code 2.1 prints it: `{type: "result", subtype, is_error, api_error_status, result,
 * total_cost_usd, usage, modelUsage, permission_denials, errors?, …}`.
 */
export const claudeResultSchema = z.looseObject({
  type: z.literal('result'),
  // `success` (also when is_error: an API error ends the turn), `error_max_turns`, `error_during_execution`, `error_max_budget_usd`, …
  subtype: optionalText,
  is_error: z.boolean().optional().catch(undefined),
  // The provider's HTTP status when an API call failed (401, 429, 500…); null otherwise.
  api_error_status: z.int().optional().catch(undefined),
  result: optionalText,
  total_cost_usd: tokenCount,
  // Name of the cost field in Claude Code releases before total_cost_usd.
  cost_usd: tokenCount,
  usage: claudeUsageSchema.optional().catch(undefined),
  // Keyed by model id, with a `[1m]` tag when the 1M-token context window was on.
  modelUsage: z.record(z.string(), claudeModelUsageSchema.catch({})).optional().catch(undefined),
  permission_denials: z.array(claudePermissionDenialSchema.optional().catch(undefined)).optional().catch(undefined),
  // What stopped an `error_*` run, e.g. "Reached maximum number of turns (1)".
  errors: z.array(z.string().optional().catch(undefined)).optional().catch(undefined),
});

export type ClaudeResult = z.output<typeof claudeResultSchema>;

/** Longest refused command or path kept in a refusal's detail. */
const MAX_REFUSAL_DETAIL_CHARS = 200;
/** `tool_input` fields that say what a refused call was for, in order of preference (Write/Edit/Read, NotebookEdit, Bash, Glob/Grep, WebFetch). */
const REFUSAL_DETAIL_FIELDS = ['file_path', 'notebook_path', 'command', 'path', 'pattern', 'url'] as const;
/**
 * Claude Code's own texts for a missing or rejected credential, reported without an HTTP status
 * (no key at all, a revoked token); from the messages bundled in Claude Code 2.1.
 */
const AUTH_MESSAGE_PATTERN = /^(Not logged in|Invalid API key|OAuth token (revoked|has expired)|Your ANTHROPIC_API_KEY belongs to a disabled organization|Your organization has disabled API key authentication)/i;

/**
 * Reads Claude Code's `--output-format json` result (or the final `result` line of `stream-json`).
 * Tokens are summed over `modelUsage` (every model, side calls included, as `total_cost_usd`
 * prices them), else taken from `usage` (the main loop); input counts the cached tokens too. An
 * error (`is_error`, an `error_*` subtype) is a failure whose category comes from
 * `api_error_status`; `permission_denials` become the refusals.
 */
export function parseClaudeJson({ stdout }: CliProcessOutput): CliOutputReading {
  const document = findClaudeResult(stdout);
  if (typeof document === 'string') return { kind: 'unreadable', reason: document };
  const usage = readUsage(document);
  const costUsd = document.total_cost_usd ?? document.cost_usd ?? 0;
  const model = describeModels(document.modelUsage);
  const activity = readActivity(document);
  const withModel = model === undefined ? {} : { model };
  // error_max_turns, error_during_execution: the run stopped short even when is_error is false.
  if (document.is_error === true || document.subtype?.startsWith('error') === true) {
    const status = document.api_error_status;
    return {
      kind: 'failure',
      message: describeFailure(document),
      category: categoriseFailure(document),
      ...(status === undefined ? {} : { status }),
      usage,
      costUsd,
      activity,
      ...withModel,
    };
  }
  return { kind: 'answer', output: document.result ?? '', usage, costUsd, activity, ...withModel };
}

function readUsage(document: ClaudeResult): TokenUsage {
  const models = Object.values(document.modelUsage ?? {});
  if (models.length > 0) {
    const sum = (pick: (entry: (typeof models)[number]) => number | undefined) => models.reduce((total, entry) => total + (pick(entry) ?? 0), 0);
    const input = sum((entry) => entry.inputTokens) + sum((entry) => entry.cacheReadInputTokens) + sum((entry) => entry.cacheCreationInputTokens);
    return toUsage(input, sum((entry) => entry.outputTokens));
  }
  const usage = document.usage;
  const input = (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0);
  return toUsage(input, usage?.output_tokens ?? 0);
}

/** The models that did the work, costliest first, without the `[1m]` context tag, each once. */
function describeModels(models: ClaudeResult['modelUsage']): string | undefined {
  const ranked = Object.entries(models ?? {}).sort(([, left], [, right]) => (right.costUSD ?? 0) - (left.costUSD ?? 0));
  const names = [...new Set(ranked.map(([name]) => name.replace(/\[[^\]]*\]$/, '').trim()).filter((name) => name !== ''))];
  return names.length === 0 ? undefined : names.join(', ');
}

function readActivity(document: ClaudeResult): CliActivity {
  const refusals = (document.permission_denials ?? []).flatMap((denial): ToolRefusal[] => {
    if (denial === undefined) return [];
    const detail = describeRefusedInput(denial.tool_input);
    return [detail === undefined ? { tool: denial.tool_name } : { tool: denial.tool_name, detail }];
  });
  return refusals.length === 0 ? NO_CLI_ACTIVITY : { ...NO_CLI_ACTIVITY, refusals };
}

function describeRefusedInput(input: Readonly<Record<string, unknown>> | undefined): string | undefined {
  for (const field of REFUSAL_DETAIL_FIELDS) {
    const value = input?.[field];
    if (typeof value === 'string' && value.trim() !== '') {
      const text = value.trim();
      return text.length > MAX_REFUSAL_DETAIL_CHARS ? `${text.slice(0, MAX_REFUSAL_DETAIL_CHARS)}…` : text;
    }
  }
  return undefined;
}

function describeFailure(document: ClaudeResult): string {
  const errors = (document.errors ?? []).filter((error): error is string => error !== undefined && error.trim() !== '');
  const result = document.result?.trim();
  const parts = [...(result === undefined || result === '' ? [] : [result]), ...errors];
  const reason = parts.join('; ');
  // A stop such as error_max_turns names only its subtype in the document's shape; say which.
  const subtype = document.subtype !== undefined && document.subtype !== 'success' ? document.subtype : undefined;
  if (reason === '') return `Claude Code stopped with ${subtype ?? 'an error'}`;
  return subtype === undefined ? reason : `${reason} (${subtype})`;
}

function categoriseFailure(document: ClaudeResult): CliFailureCategory {
  if (document.api_error_status !== undefined) return categoriseHttpStatus(document.api_error_status);
  const result = document.result?.trim() ?? '';
  if (AUTH_MESSAGE_PATTERN.test(result)) return 'auth';
  // "API Error: Unable to connect to API (ConnectionRefused)", "Request timed out": the network, not the run.
  if (/^API Error\b/.test(result) || /^Request timed out/i.test(result)) return 'transient';
  return 'agent';
}

function findClaudeResult(stdout: string): ClaudeResult | string {
  // Claude Code prints nothing on stdout when it stops before the session (a refused flag as root): stderr says why.
  if (stdout.trim() === '') return 'not JSON (stdout is empty)';
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
