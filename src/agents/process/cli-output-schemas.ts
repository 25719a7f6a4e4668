import { z } from 'zod';

// What coding-agent CLIs print is third-party data: every field is optional and a malformed field
// is dropped (`.catch(undefined)`) rather than failing the whole document, so one odd number never
// costs the agent's answer.

const tokenCount = z.number().nonnegative().optional().catch(undefined);
const optionalText = z.string().optional().catch(undefined);

/** The usage block of Claude Code's result (the Anthropic Messages API's field names). */
const claudeUsageSchema = z.looseObject({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: tokenCount,
  cache_read_input_tokens: tokenCount,
});

/**
 * Claude Code's `-p --output-format json` document (also the last line of `stream-json`):
 * `{type: "result", subtype, is_error, result, total_cost_usd, usage, modelUsage, …}`.
 */
export const claudeResultSchema = z.looseObject({
  type: z.literal('result'),
  subtype: optionalText,
  is_error: z.boolean().optional().catch(undefined),
  result: optionalText,
  total_cost_usd: tokenCount,
  // Name of the cost field in Claude Code releases before total_cost_usd.
  cost_usd: tokenCount,
  usage: claudeUsageSchema.optional().catch(undefined),
  // Keyed by model id; only the keys are read.
  modelUsage: z.record(z.string(), z.unknown()).optional().catch(undefined),
});

export type ClaudeResult = z.output<typeof claudeResultSchema>;

const geminiModelTokensSchema = z.looseObject({
  prompt: tokenCount,
  candidates: tokenCount,
  total: tokenCount,
  cached: tokenCount,
  thoughts: tokenCount,
  tool: tokenCount,
});

/**
 * Gemini CLI's `--output-format json` document: `{response, stats: {models: {<model>: {tokens:
 * {prompt, candidates, total, cached, thoughts, tool}}}}, error?: {type, message, code}}`. Some
 * builds report flat `stats.{inputTokens, outputTokens, totalTokens}`; both are read.
 */
export const geminiOutputSchema = z.looseObject({
  response: z.string().nullable().optional().catch(undefined),
  stats: z
    .looseObject({
      models: z
        .record(z.string(), z.looseObject({ tokens: geminiModelTokensSchema.optional().catch(undefined) }).catch({}))
        .optional()
        .catch(undefined),
      inputTokens: tokenCount,
      outputTokens: tokenCount,
      totalTokens: tokenCount,
    })
    .optional()
    .catch(undefined),
  error: z
    .looseObject({ type: optionalText, message: optionalText, code: z.union([z.number(), z.string()]).optional().catch(undefined) })
    .nullable()
    .optional()
    .catch(undefined),
});

export type GeminiOutput = z.output<typeof geminiOutputSchema>;

/** Token usage of one Codex turn (`turn.completed.usage`) or of a legacy `token_count` message. */
const codexUsageSchema = z.looseObject({
  input_tokens: tokenCount,
  cached_input_tokens: tokenCount,
  output_tokens: tokenCount,
});

/**
 * One line of `codex exec --json`: `thread.started`, `turn.started`, `item.completed` (with an
 * `agent_message` item carrying `text`; early releases named it `assistant_message` under
 * `item_type`), `turn.completed` (with `usage`), `turn.failed` (with `error.message`) and `error`
 * (`message`). Releases before the thread events wrapped everything in `msg`
 * (`{msg: {type: "agent_message", message}}`, `{msg: {type: "token_count", …}}`); those are read too.
 */
export const codexEventSchema = z.looseObject({
  type: optionalText,
  item: z.looseObject({ type: optionalText, item_type: optionalText, text: optionalText, message: optionalText }).optional().catch(undefined),
  usage: codexUsageSchema.optional().catch(undefined),
  error: z.looseObject({ message: optionalText }).optional().catch(undefined),
  message: optionalText,
  msg: z
    .looseObject({
      type: optionalText,
      message: optionalText,
      input_tokens: tokenCount,
      cached_input_tokens: tokenCount,
      output_tokens: tokenCount,
    })
    .optional()
    .catch(undefined),
});

export type CodexEvent = z.output<typeof codexEventSchema>;
