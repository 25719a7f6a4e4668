import { EnsembleError, sanitizeTerminalText } from '../../core/index.js';
import type { PermissionCeiling, TaskEvidence, TaskOutcome, TokenUsage } from '../../core/index.js';
import { parseClaudeJson } from './claude-code-output.js';
import { parseCodexJsonl } from './codex-output.js';
import { parseGeminiJson } from './gemini-cli-output.js';
import { resolveCliOutputFormat } from './resolve-cli-output-format.js';
import { PERMANENT_CLI_FAILURES, type CliActivity, type CliOutputParser, type CliProcessOutput } from './cli-output-reading.js';
import type { AgentDefinition } from '../registry/index.js';
import type { CliOutputFormat } from '../schema.js';

/** Longest part of a CLI's own error text kept in the task's error message. */
const MAX_REPORTED_ERROR_CHARS = 2000;
/** Bytes of a failed CLI's stdout kept in the error's details: its raw output, for whoever debugs it. */
const MAX_FAILED_STDOUT_CHARS = 16 * 1024;
/** Refusals named in a message; the rest are counted. */
const MAX_NAMED_REFUSALS = 5;

const PARSERS: Readonly<Record<Exclude<CliOutputFormat, 'text'>, CliOutputParser>> = {
  'claude-json': parseClaudeJson,
  'gemini-json': parseGeminiJson,
  'codex-jsonl': parseCodexJsonl,
};

/** What a `cli` agent's output contributes to its outcome; absent fields keep the raw-text defaults. */
export interface CliOutput {
  readonly format: CliOutputFormat;
  /** The answer inside the structured output; absent for `text` and unreadable output (the raw stdout stands). */
  readonly output?: string;
  readonly usage?: TokenUsage;
  readonly costUsd?: number;
  readonly model?: string;
  /** Why the structured output was not used. */
  readonly note?: string;
  /** What the CLI reported doing: refusals, files changed, commands run. */
  readonly activity?: CliActivity;
}

/** The finished CLI process and the run it belongs to. */
export interface CliResult extends CliProcessOutput {
  /** The run's permission ceiling, named in a refusal's message. */
  readonly permissions: PermissionCeiling;
}

/**
 * Reads a finished `cli` agent's output in its output format (see `resolveCliOutputFormat`).
 * Unreadable output is never fatal: the raw text stands and the evidence says why.
 * @throws EnsembleError `AGENT_FAILED` when the CLI reported an error (Claude Code `is_error`,
 * Gemini `error` on stdout or stderr, Codex `turn.failed`), whatever its exit code: retryable unless
 * it was an auth or configuration error. What it reported spending goes to `reportFailedSpend` first.
 * @throws EnsembleError `AGENT_PERMISSION_DENIED` (not retryable) when the CLI answered but was
 * refused a tool call and the agent's `onRefusal` is `fail` (the default).
 */
export function readCliOutput(agent: AgentDefinition, result: CliResult, reportFailedSpend?: (usage: TokenUsage, costUsd: number) => void): CliOutput {
  const format = resolveCliOutputFormat(agent);
  if (format === 'text') return { format };
  const reading = PARSERS[format](result);
  switch (reading.kind) {
    case 'answer': {
      if (reading.activity.refusals.length > 0 && (agent.onRefusal ?? 'fail') === 'fail') {
        if (reading.usage.totalTokens > 0 || reading.costUsd > 0) reportFailedSpend?.(reading.usage, reading.costUsd);
        throw toRefusalError(agent, reading.activity, result.permissions, reading.output);
      }
      return {
        format,
        output: reading.output,
        usage: reading.usage,
        costUsd: reading.costUsd,
        activity: reading.activity,
        ...(reading.model === undefined ? {} : { model: reading.model }),
      };
    }
    case 'unreadable':
      return { format, note: `output is not readable as ${format} (${reading.reason}); the raw text is the output` };
    case 'failure': {
      // What the CLI spent before it failed is spent all the same: it counts against caps and in the summary.
      if (reading.usage.totalTokens > 0 || reading.costUsd > 0) reportFailedSpend?.(reading.usage, reading.costUsd);
      const message = shorten(sanitizeTerminalText(reading.message).trim(), MAX_REPORTED_ERROR_CHARS);
      return throwFailure(agent, format, result, message, reading);
    }
  }
}

function throwFailure(
  agent: AgentDefinition,
  format: CliOutputFormat,
  result: CliResult,
  message: string,
  reading: Extract<ReturnType<CliOutputParser>, { kind: 'failure' }>,
): never {
  const isPermanent = PERMANENT_CLI_FAILURES.has(reading.category);
  const hint = reading.category === 'auth' ? ' (an authentication error: check the key and base URL the agent receives; not retried)' : reading.category === 'configuration' ? ' (a configuration error; not retried)' : '';
  throw new EnsembleError('AGENT_FAILED', `agent "${agent.name}" reported an error: ${message}${hint}`, {
    retryable: !isPermanent,
    details: {
      agentName: agent.name,
      outputFormat: format,
      category: reading.category,
      ...(reading.status === undefined ? {} : { status: reading.status }),
      exitCode: result.exitCode,
      stderrTail: sanitizeTerminalText(result.stderr),
      stdoutTail: result.stdout.slice(-MAX_FAILED_STDOUT_CHARS),
      usage: reading.usage,
      costUsd: reading.costUsd,
      ...(reading.model === undefined ? {} : { model: reading.model }),
    },
  });
}

function toRefusalError(agent: AgentDefinition, activity: CliActivity, permissions: PermissionCeiling, output: string): EnsembleError {
  // Gemini reports one refusal per call without a detail: "write_file ×2" reads better than the name twice.
  const counts = new Map<string, number>();
  for (const { tool, detail } of activity.refusals) {
    const label = detail === undefined ? tool : `${tool} ${detail}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const labels = [...counts].map(([label, count]) => (count === 1 ? label : `${label} ×${count}`));
  const named = labels.slice(0, MAX_NAMED_REFUSALS);
  const more = labels.length - named.length;
  const next = permissions === 'read' ? 'edit' : 'full';
  const advice = permissions === 'full' ? 'the CLI refused it under its own settings' : `run with --permissions ${next} to allow more`;
  const message =
    `agent "${agent.name}" was refused ${activity.refusals.length} tool call${activity.refusals.length === 1 ? '' : 's'} under --permissions ${permissions}: ` +
    `${named.join('; ')}${more > 0 ? `; and ${more} more` : ''} (${advice}, or set onRefusal: warn in the agent file to accept the answer anyway)`;
  return new EnsembleError('AGENT_PERMISSION_DENIED', message, {
    retryable: false,
    details: { agentName: agent.name, permissions, refusals: activity.refusals, output: shorten(output, MAX_FAILED_STDOUT_CHARS) },
  });
}

function shorten(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/** The evidence fields of what a CLI reported doing; empty lists are left out. */
function toActivityEvidence(activity: CliActivity | undefined): Partial<TaskEvidence> {
  if (activity === undefined) return {};
  return {
    ...(activity.refusals.length === 0 ? {} : { refusals: activity.refusals }),
    ...(activity.changes.length === 0 ? {} : { reportedChanges: activity.changes }),
    ...(activity.commands.length === 0 ? {} : { commands: activity.commands }),
    ...(activity.linesAdded === undefined ? {} : { linesAdded: activity.linesAdded }),
    ...(activity.linesRemoved === undefined ? {} : { linesRemoved: activity.linesRemoved }),
    ...(activity.failedToolCalls === undefined ? {} : { failedToolCalls: activity.failedToolCalls }),
  };
}

/** The outcome of a `cli` agent with what its structured output said put in. */
export function applyCliOutput(outcome: TaskOutcome, cliOutput: CliOutput): TaskOutcome {
  return {
    ...outcome,
    ...(cliOutput.output === undefined ? {} : { output: cliOutput.output }),
    ...(cliOutput.usage === undefined ? {} : { usage: cliOutput.usage }),
    ...(cliOutput.costUsd === undefined ? {} : { costUsd: cliOutput.costUsd }),
    ...(cliOutput.model === undefined ? {} : { model: cliOutput.model }),
    evidence: {
      ...outcome.evidence,
      outputFormat: cliOutput.format,
      ...(cliOutput.note === undefined ? {} : { outputNote: cliOutput.note }),
      ...toActivityEvidence(cliOutput.activity),
    },
  };
}
