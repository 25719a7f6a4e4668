import { EnsembleError, formatIssuePath } from '../../core/index.js';
import { parseFrontMatter } from './parse-front-matter.js';
import { agentFrontMatterSchema, KNOWN_FRONT_MATTER_KEYS } from '../schema.js';
import type { AgentCacheSetting, AgentEnvironment, AgentLimits, AgentRuntimeKind, CliOutputFormat, CliPermissions, RefusalPolicy } from '../schema.js';

/** One agent, as read from a Markdown file with YAML front matter (Claude Code subagent format). */
export interface AgentDefinition {
  /** Unique name; letters, digits, `-` and `_`. */
  readonly name: string;
  /** One-line summary shown in listings. */
  readonly description: string;
  /** Lower-case group such as `development`, `security`, `testing`. @default 'general' */
  readonly category: string;
  /** How the agent runs. @default 'llm' */
  readonly runtime: AgentRuntimeKind;
  /** argv for `cli`/`command` agents; an element `{prompt}` is replaced by the task's prompt. */
  readonly command?: readonly string[];
  /** Model tier (`sonnet`) or `provider:model`; absent (or `inherit` in the file) means the run's model. */
  readonly model?: string;
  /** Tools the agent may use, as in Claude Code; empty means not restricted. */
  readonly tools: readonly string[];
  /** `llm` agents: model steps of the tool loop (Claude Code's key). @default DEFAULT_MAX_TURNS */
  readonly maxTurns?: number;
  /** Default timeout of this agent's tasks, in ms. */
  readonly timeoutMs?: number;
  /** `command`/`cli` agents: memory, CPU time, wall time and output caps of one attempt. */
  readonly limits?: AgentLimits;
  /** The result cache for this agent's tasks (`{ttl}`), or `false` to keep them out of a run's cache; absent: the run's setting. */
  readonly cache?: AgentCacheSetting;
  /** `command`/`cli` agents: variables passed through or set beyond the allow-listed environment (`env:`). */
  readonly env?: AgentEnvironment;
  /** `cli` agents: how stdout is read; absent means inferred from the command (else `text`). */
  readonly outputFormat?: CliOutputFormat;
  /** `cli` agents: the CLI's own arguments (and environment) for each permission ceiling, put at `{permissions}` in `command`. */
  readonly permissions?: CliPermissions;
  /** `cli` agents: what a tool call the CLI refused means. @default 'fail' */
  readonly onRefusal?: RefusalPolicy;
  /** The Markdown body: the system prompt (`llm`) or notes (other runtimes). */
  readonly prompt: string;
  /** Where the definition came from: a file path, `'builtin'` or `'in-process'`. */
  readonly source: string;
  /** Front-matter keys ensemble does not read (`color`, `permissionMode`, …), kept as they were. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/**
 * Parses an agent definition file. Throws `INVALID_AGENT_DEFINITION` naming the file and the
 * field: `agents/x.md: runtime: expected one of llm, cli, command, simulated`.
 */
export function parseAgentDefinition(text: string, source: string): AgentDefinition {
  const split = parseFrontMatter(text);
  if (!split.ok) {
    throw new EnsembleError('INVALID_AGENT_DEFINITION', `${source}: ${split.reason}`, { details: { source } });
  }
  const fields: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(split.data)) {
    if (!KNOWN_FRONT_MATTER_KEYS.has(key)) extra[key] = value;
    // `model:` with nothing after it is YAML null: read it as absent, like Claude Code does.
    else if (value !== null) fields[key] = value;
  }
  const parsed = agentFrontMatterSchema.safeParse(fields);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatIssuePath('', issue.path)}: ${issue.message}`);
    throw new EnsembleError('INVALID_AGENT_DEFINITION', `${source}: ${problems.join('; ')}`, { details: { source, problems } });
  }
  const frontMatter = parsed.data;
  return {
    name: frontMatter.name,
    description: frontMatter.description,
    category: frontMatter.category,
    runtime: frontMatter.runtime,
    ...(frontMatter.command === undefined ? {} : { command: frontMatter.command }),
    ...(frontMatter.model === undefined ? {} : { model: frontMatter.model }),
    tools: frontMatter.tools,
    ...(frontMatter.maxTurns === undefined ? {} : { maxTurns: frontMatter.maxTurns }),
    ...(frontMatter.timeoutMs === undefined ? {} : { timeoutMs: frontMatter.timeoutMs }),
    ...(frontMatter.limits === undefined ? {} : { limits: frontMatter.limits }),
    ...(frontMatter.cache === undefined ? {} : { cache: frontMatter.cache }),
    ...(frontMatter.env === undefined ? {} : { env: frontMatter.env }),
    ...(frontMatter.outputFormat === undefined ? {} : { outputFormat: frontMatter.outputFormat }),
    ...(frontMatter.permissions === undefined ? {} : { permissions: frontMatter.permissions }),
    ...(frontMatter.onRefusal === undefined ? {} : { onRefusal: frontMatter.onRefusal }),
    prompt: split.body.trim(),
    source,
    extra,
  };
}
