import { EnsembleError } from '../../core/index.js';
import type { TaskOutcome, TokenUsage } from '../../core/index.js';
import { resolveCliOutputFormat } from './resolve-cli-output-format.js';
import { parseClaudeJson, parseCodexJsonl, parseGeminiJson, type CliOutputReading } from './parse-cli-output.js';
import type { AgentDefinition } from '../registry/index.js';
import type { AgentProcessResult } from './run-agent-process.js';
import type { CliOutputFormat } from '../schema.js';

/** Longest part of a CLI's own error text kept in the task's error message. */
const MAX_REPORTED_ERROR_CHARS = 2000;

const PARSERS: Readonly<Record<Exclude<CliOutputFormat, 'text'>, (stdout: string) => CliOutputReading>> = {
  'claude-json': parseClaudeJson,
  'gemini-json': parseGeminiJson,
  'codex-jsonl': parseCodexJsonl,
};

/** What a `cli` agent's stdout contributes to its outcome; absent fields keep the raw-text defaults. */
export interface CliOutput {
  readonly format: CliOutputFormat;
  /** The answer inside the structured output; absent for `text` and unreadable output (the raw stdout stands). */
  readonly output?: string;
  readonly usage?: TokenUsage;
  readonly costUsd?: number;
  readonly model?: string;
  /** Why the structured output was not used. */
  readonly note?: string;
}

/**
 * Reads a finished `cli` agent's stdout in its output format (see `resolveCliOutputFormat`).
 * Unreadable output is never fatal: the raw text stands and the evidence says why.
 * @throws EnsembleError `AGENT_FAILED` (retryable) when the CLI reported an error in its output
 * (Claude Code `is_error`, Gemini `error`, Codex `turn.failed`), whatever its exit code; what it
 * reported spending goes to `reportFailedSpend` first.
 */
export function readCliOutput(
  agent: AgentDefinition,
  result: AgentProcessResult,
  reportFailedSpend?: (usage: TokenUsage, costUsd: number) => void,
): CliOutput {
  const format = resolveCliOutputFormat(agent);
  if (format === 'text') return { format };
  const reading = PARSERS[format](result.stdout);
  switch (reading.kind) {
    case 'answer':
      return { format, output: reading.output, usage: reading.usage, costUsd: reading.costUsd, ...(reading.model === undefined ? {} : { model: reading.model }) };
    case 'unreadable':
      return { format, note: `stdout is not readable as ${format} (${reading.reason}); the raw text is the output` };
    case 'failure': {
      // What the CLI spent before it failed is spent all the same: it counts against caps and in the summary.
      if (reading.usage.totalTokens > 0 || reading.costUsd > 0) reportFailedSpend?.(reading.usage, reading.costUsd);
      const message = reading.message.length > MAX_REPORTED_ERROR_CHARS ? `${reading.message.slice(0, MAX_REPORTED_ERROR_CHARS)}…` : reading.message;
      throw new EnsembleError('AGENT_FAILED', `agent "${agent.name}" reported an error: ${message}`, {
        retryable: true,
        details: {
          agentName: agent.name,
          outputFormat: format,
          exitCode: result.exitCode,
          stderrTail: result.stderrTail,
          usage: reading.usage,
          costUsd: reading.costUsd,
        },
      });
    }
  }
}

/** The outcome of a `cli` agent with what its structured output said put in. */
export function applyCliOutput(outcome: TaskOutcome, cliOutput: CliOutput): TaskOutcome {
  return {
    ...outcome,
    ...(cliOutput.output === undefined ? {} : { output: cliOutput.output }),
    ...(cliOutput.usage === undefined ? {} : { usage: cliOutput.usage }),
    ...(cliOutput.costUsd === undefined ? {} : { costUsd: cliOutput.costUsd }),
    ...(cliOutput.model === undefined ? {} : { model: cliOutput.model }),
    evidence: { ...outcome.evidence, outputFormat: cliOutput.format, ...(cliOutput.note === undefined ? {} : { outputNote: cliOutput.note }) },
  };
}
