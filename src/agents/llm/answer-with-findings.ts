import { asSchema, jsonSchema, Output } from 'ai';
import type { ModelMessage, ToolSet } from 'ai';
import { isEnsembleError } from '../../core/index.js';
import { modelReviewFindingsSchema, parseReviewFindings, readReviewFindings, REVIEW_FINDINGS_INSTRUCTION, toFindingsOutput } from '../../workflows/index.js';
import type { FindingsReading } from '../../workflows/index.js';
import type { AgentLoopOptions } from './run-agent-loop.js';
import type { ModelCallResult, StructuredOutput } from './stream-model-call.js';

/** Whether the provider refused structured output in this attempt: once refused, it is not asked for again. */
export interface StructuredState {
  isRefused: boolean;
}

/** Where a structured step stands: the conversation so far, the offered tools, the output asked for. */
export interface StructuredStep {
  readonly messages: readonly ModelMessage[];
  readonly sdkTools: ToolSet | undefined;
  readonly output: StructuredOutput;
  readonly structured: StructuredState;
}

/**
 * The output of a `review-findings` task once the model answered without tool calls: the
 * structured answer of that step, else the findings JSON its text already holds, else the
 * structured answer of one more step (within `maxTurns`); the text answer when none of these can
 * be had, said through `warn`, for the consolidator's tolerant reader.
 */
export async function finishWithFindings(
  options: AgentLoopOptions,
  at: StructuredStep,
  answer: ModelCallResult,
  step: number,
  signal: AbortSignal,
): Promise<{ text: string; steps: number }> {
  const label = `agent ${options.agentName}`;
  if (answer.structured !== undefined) {
    if (answer.structured.ok) return { text: toOutput(answer.structured.value), steps: step };
    options.warn?.(`${label}: no structured review findings (${answer.structured.reason}); its text answer is kept and read tolerantly`);
    return { text: answer.text, steps: step };
  }
  // A reviewer that ended its answer with a clean findings block has answered in the schema already.
  const written = parseReviewFindings(answer.text);
  if (written.source === 'json' && written.problems.length === 0) return { text: toFindingsOutput(written.findings), steps: step };
  if (at.structured.isRefused) return { text: answer.text, steps: step };
  if (step >= options.maxTurns) {
    options.warn?.(`${label}: maxTurns ${options.maxTurns} left no step to ask for structured review findings; its text answer is kept and read tolerantly`);
    return { text: answer.text, steps: step };
  }
  const messages: ModelMessage[] = [
    ...at.messages,
    ...(answer.text.trim() === '' ? [] : [{ role: 'assistant' as const, content: answer.text }]),
    { role: 'user', content: REVIEW_FINDINGS_INSTRUCTION },
  ];
  const final = await stepStructured(options, { ...at, messages }, signal);
  if (final?.structured?.ok === true) return { text: toOutput(final.structured.value), steps: step + 1 };
  if (final !== undefined) {
    const reason = final.structured?.ok === false ? final.structured.reason : 'no answer';
    options.warn?.(`${label}: no structured review findings (${reason}); its text answer is kept and read tolerantly`);
  }
  return { text: answer.text, steps: final === undefined ? step : step + 1 };
}

/**
 * A step that asks for structured output; undefined when the provider refused the request (a
 * non-retryable PROVIDER_ERROR: a server without JSON mode rejects the response format), said
 * through `warn`. Retryable failures and aborts propagate as from any step.
 */
export async function stepStructured(options: AgentLoopOptions, at: StructuredStep, signal: AbortSignal): Promise<ModelCallResult | undefined> {
  try {
    return await options.step(at.messages, at.sdkTools, at.output);
  } catch (error) {
    if (signal.aborted || !isEnsembleError(error) || error.code !== 'PROVIDER_ERROR' || error.retryable) throw error;
    at.structured.isRefused = true;
    options.warn?.(`agent ${options.agentName}: the model refused structured output (${error.message}); it answers in text, read tolerantly`);
    return undefined;
  }
}

/**
 * The review findings as the AI SDK's structured output: the provider gets the strict schema
 * (every field present, null for none), the answer is read by the tolerant reader, so a model
 * that leaves out a null field or writes `"High"` still answers in the schema.
 */
export function createFindingsOutput(): StructuredOutput {
  return Output.object({
    name: 'review_findings',
    description: 'The findings of a code review',
    schema: jsonSchema<FindingsReading>(() => asSchema(modelReviewFindingsSchema).jsonSchema, {
      validate: (value) => {
        const reading = readReviewFindings(value);
        return reading === undefined ? { success: false, error: new Error('not review findings: expected {"findings": [...]}') } : { success: true, value: reading };
      },
    }),
  });
}

function toOutput(value: unknown): string {
  // The value passed the validation above, so it is a reading.
  const reading = value as FindingsReading;
  return toFindingsOutput(reading.findings, reading.problems);
}
