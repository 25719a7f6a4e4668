import { z } from 'zod';
import { optionalText, tokenCount } from './cli-output-fields.js';
import type { ReportedCommand, ReportedFileChange, TokenUsage } from '../../core/index.js';
import { categoriseHttpStatus, toUsage, tryParseJson } from './cli-output-reading.js';
import type { CliActivity, CliFailureCategory, CliOutputReading, CliProcessOutput } from './cli-output-reading.js';
import { readCodexStderr, type CodexStderr } from './codex-stderr.js';


/**
 * Token usage of one Codex turn (`turn.completed.usage`) or of a legacy `token_count` message.
 * Codex passes the Responses API's counts on: `input_tokens` already includes `cached_input_tokens`
 * and `output_tokens` includes `reasoning_output_tokens`, so neither is added again.
 */
const codexUsageSchema = z.looseObject({
  input_tokens: tokenCount,
  cached_input_tokens: tokenCount,
  output_tokens: tokenCount,
});

/** One `{path, kind}` of a `file_change` item; kind is `add`, `update` or `delete`. */
const codexFileChangeSchema = z.looseObject({ path: optionalText, kind: optionalText });

/** An item of `item.started` / `item.completed`: `agent_message`, `reasoning`, `command_execution`, `file_change`, `error` (a warning), … */
const codexItemSchema = z.looseObject({
  id: optionalText,
  type: optionalText,
  // The first releases named the type `item_type` (and the message `assistant_message`).
  item_type: optionalText,
  text: optionalText,
  message: optionalText,
  command: optionalText,
  exit_code: z.number().int().nullable().optional().catch(undefined),
  status: optionalText,
  changes: z.array(codexFileChangeSchema.catch({})).optional().catch(undefined),
});

/**
 * One line of `codex exec --json`: `thread.started`, `turn.started`, `item.started` /
 * `item.completed` (see the item schema), `turn.completed` (with `usage`), `turn.failed` (with
 * `error.message`) and `error` (`message`: a fatal error, or a "Reconnecting… n/5" notice). No event
 * names the model. Releases before the thread events wrapped everything in `msg`
 * (`{msg: {type: "agent_message", message}}`, `{msg: {type: "token_count", …}}`); those are read too.
 */
export const codexEventSchema = z.looseObject({
  type: optionalText,
  item: codexItemSchema.optional().catch(undefined),
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


/**
 * Reads `codex exec --json` event lines (Codex 0.171): the output is the last agent message, usage
 * the sum of the turns' `usage` (or the last legacy `token_count`), no cost (Codex reports none).
 * `file_change` items become the changes, `command_execution` items the commands. Refused tool calls
 * appear only on stderr (see {@link readCodexStderr}). A `turn.failed` is a failure, and so are
 * `error` events when no agent message followed; Codex starting no turn at all (a bad
 * config.toml, an unknown flag, no git repository) is a `configuration` failure with its stderr.
 */
export function parseCodexJsonl(output: CliProcessOutput): CliOutputReading {
  const events = readCodexEvents(output.stdout);
  const stderr = readCodexStderr(output.stderr);
  if (events.count === 0) {
    if (output.exitCode !== 0 && output.exitCode !== null && stderr.startupError !== undefined) {
      return { kind: 'failure', message: stderr.startupError, category: 'configuration', usage: toUsage(0, 0), costUsd: 0, activity: toActivity(events, stderr) };
    }
    return { kind: 'unreadable', reason: 'no JSON event lines' };
  }
  const model = events.model ?? findCodexModelArgument(output.argv ?? []) ?? output.configuredModel;
  const common = { usage: events.usage, costUsd: 0, activity: toActivity(events, stderr), ...(model === undefined ? {} : { model }) };
  const failure = events.turnFailure ?? (events.lastMessage === undefined ? events.lastError : undefined);
  if (failure !== undefined) return { kind: 'failure', message: failure, ...categoriseCodexError(failure), ...common };
  if (events.lastMessage === undefined) return { kind: 'unreadable', reason: `no agent message among ${events.count} events` };
  return { kind: 'answer', output: events.lastMessage, ...common };
}

interface CodexEvents {
  readonly count: number;
  readonly lastMessage?: string;
  readonly turnFailure?: string;
  readonly lastError?: string;
  readonly usage: TokenUsage;
  readonly model?: string;
  readonly changes: readonly ReportedFileChange[];
  readonly commands: readonly ReportedCommand[];
}

// Codex warns about a model it has no metadata for (any model of an OpenAI-compatible server), naming it.
const UNKNOWN_MODEL_WARNING = /^Model metadata for `([^`]+)` not found/;

function readCodexEvents(stdout: string): CodexEvents {
  let count = 0;
  let lastMessage: string | undefined;
  let turnFailure: string | undefined;
  let lastError: string | undefined;
  let model: string | undefined;
  let inputTokens = 0;
  let outputTokens = 0;
  let legacyUsage: TokenUsage | undefined;
  const changes: ReportedFileChange[] = [];
  // By item id: a command is listed when it starts (exit code null) and completed when it ends.
  const commands = new Map<string, ReportedCommand>();
  for (const line of stdout.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    const parsed = codexEventSchema.safeParse(tryParseJson(text));
    if (!parsed.success) continue;
    count++;
    const event = parsed.data;
    const item = event.item;
    const itemType = item?.type ?? item?.item_type;
    if ((event.type === 'item.started' || event.type === 'item.completed') && item !== undefined) {
      if (itemType === 'command_execution' && item.command !== undefined) {
        commands.set(item.id ?? `#${commands.size}`, { command: item.command, exitCode: item.exit_code ?? null });
      }
      if (event.type !== 'item.completed') continue;
      if (itemType === 'agent_message' || itemType === 'assistant_message') lastMessage = item.text ?? lastMessage;
      else if (itemType === 'file_change' && item.status !== 'failed') {
        for (const change of item.changes ?? []) {
          if (change.path !== undefined) changes.push({ path: change.path, kind: change.kind ?? 'update' });
        }
      } else if (itemType === 'error') model = UNKNOWN_MODEL_WARNING.exec(item.message ?? '')?.[1] ?? model;
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
  const usage = inputTokens + outputTokens > 0 || legacyUsage === undefined ? toUsage(inputTokens, outputTokens) : legacyUsage;
  return {
    count,
    usage,
    changes,
    commands: [...commands.values()],
    ...(lastMessage === undefined ? {} : { lastMessage }),
    ...(turnFailure === undefined ? {} : { turnFailure }),
    ...(lastError === undefined ? {} : { lastError }),
    ...(model === undefined ? {} : { model }),
  };
}

function toActivity(events: CodexEvents, stderr: CodexStderr): CliActivity {
  return {
    refusals: stderr.refusals,
    changes: events.changes,
    commands: events.commands,
    ...(stderr.failedToolCalls === 0 ? {} : { failedToolCalls: stderr.failedToolCalls }),
  };
}

/**
 * The category of an error Codex reported, from its wording (0.171): `unexpected status 401
 * Unauthorized: …` and `exceeded retry limit, last status: 429 …` carry the HTTP status; a 400
 * is the raw `{"error": {"type": "invalid_request_error", …}}` body; a 500 is "We're currently
 * experiencing high demand"; a missing key is "Missing environment variable: `OPENAI_API_KEY`".
 */
export function categoriseCodexError(message: string): { readonly category: CliFailureCategory; readonly status?: number } {
  const status = /\b(?:unexpected status|last status:)\s*(\d{3})\b/i.exec(message)?.[1];
  if (status !== undefined) return { category: categoriseHttpStatus(Number(status)), status: Number(status) };
  if (/^Missing environment variable/i.test(message) || (/\b(api key|unauthorized|not logged in|login)\b/i.test(message) && /\b(missing|invalid|incorrect|expired)\b/i.test(message))) {
    return { category: 'auth' };
  }
  const body = tryParseJson(message.trim());
  if (typeof body === 'object' && body !== null && /invalid_request_error/.test(message)) return { category: 'configuration' };
  if (/usage limit|rate limit|too many requests/i.test(message)) return { category: 'rate-limit' };
  if (/high demand|stream disconnected|error sending request|timed? ?out|connection (?:reset|refused|failed)|overloaded/i.test(message)) return { category: 'transient' };
  return { category: 'agent' };
}

/** The model `-m X`, `--model X`, `--model=X` or `-c model=X` names in Codex's argv (the last one wins, as in Codex). */
export function findCodexModelArgument(argv: readonly string[]): string | undefined {
  let model: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    const next = argv[index + 1];
    if ((argument === '-m' || argument === '--model') && next !== undefined) {
      model = next;
      index++;
    } else if (argument.startsWith('--model=')) model = argument.slice('--model='.length);
    else if ((argument === '-c' || argument === '--config') && next !== undefined) {
      const override = /^model\s*=\s*(.+)$/.exec(next)?.[1]?.trim();
      if (override !== undefined) model = override.replace(/^(["'])(.*)\1$/, '$2');
      index++;
    }
  }
  return model === '' ? undefined : model;
}
