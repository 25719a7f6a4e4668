import { z } from 'zod';
import { optionalText } from './cli-output-fields.js';
import { DEFAULT_PERMISSION_CEILING, sanitizeTerminalText } from '../../core/index.js';
import type { PermissionCeiling, TokenUsage, ToolRefusal } from '../../core/index.js';
import { categoriseHttpStatus, NO_CLI_ACTIVITY, parseJsonDocument, toUsage, tryParseJson } from './cli-output-reading.js';
import type { CliActivity, CliFailureCategory, CliOutputReading, CliProcessOutput } from './cli-output-reading.js';

const count = z.number().nonnegative().optional().catch(undefined);

const geminiModelTokensSchema = z.looseObject({
  prompt: count,
  candidates: count,
  total: count,
  cached: count,
  thoughts: count,
  tool: count,
});

const geminiToolStatsSchema = z.looseObject({
  count,
  success: count,
  fail: count,
  decisions: z.looseObject({ accept: count, reject: count, modify: count, auto_accept: count }).optional().catch(undefined),
});

/**
 * Gemini CLI's `--output-format json` document: `{session_id, response, stats: {models: {<model>:
 * {tokens: {prompt, candidates, thoughts, tool, …}, roles: {main | utility_router | …: …}}}, tools:
 * {totalFail, byName: {<tool>: {count, fail, decisions}}}, files: {totalLinesAdded,
 * totalLinesRemoved}}, error?: {type, message, code}}`. Some builds report flat
 * `stats.{inputTokens, outputTokens, totalTokens}`; both are read.
 */
export const geminiOutputSchema = z.looseObject({
  response: z.string().nullable().optional().catch(undefined),
  stats: z
    .looseObject({
      models: z
        .record(
          z.string(),
          z
            .looseObject({
              tokens: geminiModelTokensSchema.optional().catch(undefined),
              // Gemini CLI 0.61+: what each model was used for; only the keys are read.
              roles: z.record(z.string(), z.unknown()).optional().catch(undefined),
            })
            .catch({}),
        )
        .optional()
        .catch(undefined),
      tools: z
        .looseObject({
          totalFail: count,
          byName: z.record(z.string(), geminiToolStatsSchema.catch({})).optional().catch(undefined),
        })
        .optional()
        .catch(undefined),
      files: z.looseObject({ totalLinesAdded: count, totalLinesRemoved: count }).optional().catch(undefined),
      inputTokens: count,
      outputTokens: count,
      totalTokens: count,
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
type GeminiError = NonNullable<GeminiOutput['error']>;


/**
 * Gemini CLI's exit codes for its own set-up (packages/core `FatalError` subclasses): 41 no usable
 * auth method, 42 no input, 44 sandbox, 52 settings, 55 untrusted folder. Retrying cannot help.
 */
const CONFIGURATION_EXIT_CODES: ReadonlySet<number> = new Set([41, 42, 44, 52, 55]);

/**
 * Gemini CLI 0.61's tools by the approval mode that first offers them headless: `default` offers
 * reading and searching only, `auto_edit` adds {@link EDIT_MODE_TOOLS}, `yolo` {@link SHELL_MODE_TOOLS}.
 * A call of a tool its mode does not offer fails without running: that is a refusal.
 */
const EDIT_MODE_TOOLS: readonly string[] = ['write_file', 'replace', 'web_fetch'];
const SHELL_MODE_TOOLS: readonly string[] = ['run_shell_command', 'list_background_processes', 'read_background_output', 'activate_skill'];
const TOOLS_BEYOND_CEILING: Readonly<Record<PermissionCeiling, ReadonlySet<string>>> = {
  read: new Set([...EDIT_MODE_TOOLS, ...SHELL_MODE_TOOLS]),
  edit: new Set(SHELL_MODE_TOOLS),
  full: new Set(),
};

/** Roles of the models that did the task's work; the others (`utility_router`, `utility_summarizer`, …) only served the CLI. */
const WORKING_MODEL_ROLES: readonly string[] = ['main', 'subagent'];

/**
 * Reads what Gemini CLI printed with `--output-format json`. The answer's JSON is on stdout; an
 * error's JSON (`{session_id, error}`) is on stderr with stdout empty, and the exit code is then the
 * HTTP status mod 256 (401 → 145). Its own set-up failures (exit 41, 42, 44, 52, 55) print a line of
 * coloured text instead, and fail as `configuration`. Input tokens are `prompt` plus `tool`, output
 * tokens `candidates` plus `thoughts` (reasoning is billed as output), summed over every model.
 */
export function parseGeminiJson(output: CliProcessOutput): CliOutputReading {
  const document = findGeminiDocument(output);
  if (typeof document === 'string') {
    if (output.exitCode !== null && CONFIGURATION_EXIT_CODES.has(output.exitCode)) {
      const message = lastMeaningfulLine(output.stderr) ?? `Gemini CLI exited with code ${output.exitCode}`;
      return { kind: 'failure', message: withAdvice(message), category: 'configuration', usage: toUsage(0, 0), costUsd: 0, activity: NO_CLI_ACTIVITY };
    }
    return { kind: 'unreadable', reason: document };
  }
  const usage = geminiUsage(document);
  const model = describeWorkingModels(document.stats?.models);
  const modelField = model === undefined ? {} : { model };
  if (document.error !== undefined && document.error !== null) {
    return { kind: 'failure', ...describeError(document.error), usage, costUsd: 0, activity: NO_CLI_ACTIVITY, ...modelField };
  }
  return { kind: 'answer', output: document.response ?? '', usage, costUsd: 0, activity: geminiActivity(document, output.permissions ?? DEFAULT_PERMISSION_CEILING), ...modelField };
}

/** The answer document from stdout, else the error document from stderr, else why neither was found. */
function findGeminiDocument({ stdout, stderr }: CliProcessOutput): GeminiOutput | string {
  const whole = parseJsonDocument(stdout);
  if (whole.ok) {
    const parsed = geminiOutputSchema.safeParse(whole.value);
    if (parsed.success && (parsed.data.response !== undefined || parsed.data.error !== undefined)) return parsed.data;
  }
  const fromStderr = findErrorDocument(stderr);
  if (fromStderr !== undefined) return fromStderr;
  return whole.ok ? 'the JSON has neither "response" nor "error"' : `not JSON (${whole.reason})`;
}

/**
 * The last `{…, "error": …}` document in stderr. Gemini CLI pretty-prints it after its warnings and
 * stack traces, so it spans lines: every line opening at column 0 with `{` is tried, from the end,
 * up to each later line that closes with `}`.
 */
function findErrorDocument(stderr: string): GeminiOutput | undefined {
  const lines = stderr.split('\n');
  for (let start = lines.length - 1; start >= 0; start--) {
    if (!lines[start]!.startsWith('{')) continue;
    for (let end = start; end < lines.length; end++) {
      if (!lines[end]!.trimEnd().endsWith('}')) continue;
      const value = tryParseJson(lines.slice(start, end + 1).join('\n'));
      if (value === undefined) continue;
      const parsed = geminiOutputSchema.safeParse(value);
      if (parsed.success && parsed.data.error !== undefined && parsed.data.error !== null) return parsed.data;
      break;
    }
  }
  return undefined;
}

/** The message, category and HTTP status of Gemini CLI's error object. */
function describeError(error: GeminiError): { message: string; category: CliFailureCategory; status?: number } {
  const code = typeof error.code === 'number' ? error.code : undefined;
  // An API error's message is the provider's body as text: {"error": {"code", "message", "status"}}.
  const provider = readProviderError(error.message);
  const text = sanitizeTerminalText(provider?.message ?? error.message ?? 'Gemini CLI reported an error').trim();
  const isHttpStatus = code !== undefined && code >= 100 && code <= 599;
  // `Error` (the JavaScript class) says nothing; `ApiError` or the provider's status does.
  const label = provider?.status ?? (error.type === 'Error' ? undefined : error.type);
  const where = [label, code === undefined ? undefined : isHttpStatus ? String(code) : `exit code ${code}`].filter((part) => part !== undefined).join(' ');
  const message = withAdvice(`${text}${where === '' ? '' : ` (${where})`}`);
  if (isHttpStatus) return { message, category: categoriseHttpStatus(code), status: code };
  if (code !== undefined && CONFIGURATION_EXIT_CODES.has(code)) return { message, category: 'configuration' };
  return { message, category: /fetch failed|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up/i.test(text) ? 'transient' : 'agent' };
}

const providerErrorSchema = z.looseObject({ error: z.looseObject({ message: optionalText, status: optionalText }) });

function readProviderError(message: string | undefined): { message?: string; status?: string } | undefined {
  if (message === undefined) return undefined;
  const value = tryParseJson(message.trim());
  // Streamed errors come as a one-element array.
  const parsed = providerErrorSchema.safeParse(Array.isArray(value) ? value[0] : value);
  if (!parsed.success) return undefined;
  const { message: text, status } = parsed.data.error;
  return { ...(text === undefined ? {} : { message: text }), ...(status === undefined ? {} : { status }) };
}

/** Gemini CLI's own advice is missing for its one surprising set-up failure: a base URL without an auth type in the settings. */
function withAdvice(message: string): string {
  if (!/Invalid auth method selected/i.test(message)) return message;
  return `${message} Gemini CLI treats GOOGLE_GEMINI_BASE_URL as a gateway it will not run headless; ensemble selects the API key for it unless ~/.gemini/settings.json names another auth type or cannot be read as plain JSON: set "security": {"auth": {"selectedType": "gemini-api-key"}} there (see agents/gemini-cli.md)`;
}

function lastMeaningfulLine(text: string): string | undefined {
  return sanitizeTerminalText(text)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /[\p{L}\p{N}]/u.test(line))
    .at(-1);
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

/** The models that did the work (role `main` or `subagent`); every model when no roles are reported (before 0.61). */
function describeWorkingModels(models: NonNullable<GeminiOutput['stats']>['models']): string | undefined {
  const entries = Object.entries(models ?? {});
  const working = entries.filter(([, { roles }]) => Object.keys(roles ?? {}).some((role) => WORKING_MODEL_ROLES.includes(role)));
  const names = (working.length > 0 ? working : entries).map(([name]) => name);
  return names.length === 0 ? undefined : names.join(', ');
}

function geminiActivity(document: GeminiOutput, permissions: PermissionCeiling): CliActivity {
  const tools = document.stats?.tools;
  const files = document.stats?.files;
  return {
    ...NO_CLI_ACTIVITY,
    refusals: readGeminiRefusals(tools?.byName ?? {}, permissions),
    ...(tools?.totalFail === undefined ? {} : { failedToolCalls: tools.totalFail }),
    ...(files?.totalLinesAdded === undefined ? {} : { linesAdded: files.totalLinesAdded }),
    ...(files?.totalLinesRemoved === undefined ? {} : { linesRemoved: files.totalLinesRemoved }),
  };
}

type GeminiToolStats = z.output<typeof geminiToolStatsSchema>;

/**
 * The refused calls, one per call. Gemini CLI records a decision (`accept`, …) for every call that
 * ran, failed or not; a call refused by its policy, of a tool its mode does not offer, or with
 * arguments that do not validate fails with none. Those of tools beyond the run's ceiling are the
 * refusals (invalid arguments of a tool the ceiling allows are plain failures), and so is every
 * call the user rejected.
 */
function readGeminiRefusals(byName: Readonly<Record<string, GeminiToolStats>>, permissions: PermissionCeiling): ToolRefusal[] {
  const refusals: ToolRefusal[] = [];
  for (const [tool, stats] of Object.entries(byName)) {
    const decisions = stats.decisions;
    const decided = (decisions?.accept ?? 0) + (decisions?.reject ?? 0) + (decisions?.modify ?? 0) + (decisions?.auto_accept ?? 0);
    const neverRan = Math.min(stats.fail ?? 0, Math.max(0, (stats.count ?? 0) - decided));
    const refused = (decisions?.reject ?? 0) + (TOOLS_BEYOND_CEILING[permissions].has(tool) ? neverRan : 0);
    for (let index = 0; index < refused; index++) refusals.push({ tool });
  }
  return refusals;
}
