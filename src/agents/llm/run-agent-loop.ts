import type { ModelMessage, ToolModelMessage, ToolResultPart, ToolSet } from 'ai';
import { EnsembleError } from '../../core/index.js';
import type { ActivityReporter, ReportedFileChange, TaskSpec } from '../../core/index.js';
import type { ToolContext, WorkspaceTool } from '../../tools/index.js';
import { createFindingsOutput, finishWithFindings, stepStructured } from './answer-with-findings.js';
import type { StructuredState } from './answer-with-findings.js';
import type { ModelCallResult, StructuredOutput } from './stream-model-call.js';
import { toEscalatedError } from '../parse-escalation.js';
import { runToolCall } from './run-tool-call.js';
import { toSdkTools } from './to-sdk-tools.js';

/** One agent loop: the conversation's start, the offered tools, and how a model step is made. */
export interface AgentLoopOptions {
  readonly agentName: string;
  readonly system: string;
  /** The task's user message. */
  readonly prompt: string;
  /** The offered tools (already filtered by the agent's list and the run's ceiling); none: one plain completion. */
  readonly tools: readonly WorkspaceTool[];
  /** Model steps allowed; a step that still asks for tools at the last one fails the task. */
  readonly maxTurns: number;
  readonly toolContext: ToolContext;
  readonly reportEvent?: ActivityReporter | undefined;
  /**
   * What the answer must be. `review-findings`: the findings JSON of the review findings schema,
   * asked for as structured output on the final step (see {@link runAgentLoop}). @default 'text'
   */
  readonly responseFormat?: TaskSpec['responseFormat'];
  /** Told when a structured answer could not be had and the text answer stands instead. @default ignore */
  readonly warn?: ((message: string) => void) | undefined;
  /**
   * One model step over the conversation so far; with `output`, a structured answer is asked for
   * (pass it on to the model call). The caller owns what each step must pass through (budget hold
   * and commit, the provider gate, the idle timeout, spend reporting).
   */
  readonly step: (messages: readonly ModelMessage[], tools: ToolSet | undefined, output?: StructuredOutput) => Promise<ModelCallResult>;
}

/** What the loop did. */
export interface AgentLoopResult {
  /** The task's output: the last step's text, or with `responseFormat: 'review-findings'` the findings JSON when it could be had. */
  readonly text: string;
  readonly steps: number;
  readonly toolCalls: number;
  readonly failedToolCalls: number;
  /** Files the tools reported writing, first write first, each once. */
  readonly reportedChanges: readonly ReportedFileChange[];
}

/**
 * Runs an `llm` agent's tool loop: a model step; if it asked for tools, each call runs (in the
 * order asked, results capped, failures handed back as error results) and the next step sees the
 * assistant message and the results; until a step asks for none (its text is the output) or
 * `maxTurns` steps ran (AGENT_FAILED, not retryable: another attempt would do the same), or a call
 * escalated (`Escalate`: AGENT_ESCALATED with the request as details, at once). The loop
 * is ensemble's own rather than the SDK's `stopWhen` because every step must pass the provider gate
 * and the budget on its own, as one call; the SDK's multi-step loop would make several calls
 * behind one gate admission and one budget hold.
 *
 * With `responseFormat: 'review-findings'` the answer is the review findings JSON
 * (`{"findings": [...]}`), asked for through the AI SDK's structured output on the final step:
 * - without tools the only step is the final one and asks for it at once;
 * - with tools the loop runs as above, tools usable throughout; when the answer's text already
 *   holds a findings JSON block that reads without a problem, that is taken (no extra call);
 *   otherwise one more step, within `maxTurns`, asks for the findings as structured output, tools
 *   still defined but not callable.
 * A provider or model that cannot answer so (the request is refused, the answer is not the schema)
 * leaves the text answer as the output, said through `warn`, for the consolidator's tolerant reader.
 */
export async function runAgentLoop(options: AgentLoopOptions, signal: AbortSignal): Promise<AgentLoopResult> {
  const toolByName = new Map(options.tools.map((tool) => [tool.name, tool]));
  const sdkTools = options.tools.length === 0 ? undefined : toSdkTools(options.tools);
  const findingsOutput = options.responseFormat === 'review-findings' ? createFindingsOutput() : undefined;
  // Once refused, structured output is not asked for again in this attempt.
  const structured: StructuredState = { isRefused: false };
  const messages: ModelMessage[] = [{ role: 'user', content: options.prompt }];
  const changes = new Map<string, ReportedFileChange>();
  let toolCalls = 0;
  let failedToolCalls = 0;
  for (let step = 1; ; step++) {
    if (signal.aborted) throw signal.reason;
    let answer: ModelCallResult | undefined;
    if (findingsOutput !== undefined && sdkTools === undefined && !structured.isRefused) {
      // Without tools this step is the final one: it asks for the structured answer at once.
      answer = await stepStructured(options, { messages, sdkTools, output: findingsOutput, structured }, signal);
    }
    answer ??= await options.step(messages, sdkTools);
    if (answer.toolCalls.length === 0) {
      const finished =
        findingsOutput === undefined ? { text: answer.text, steps: step } : await finishWithFindings(options, { messages, sdkTools, output: findingsOutput, structured }, answer, step, signal);
      return { ...finished, toolCalls, failedToolCalls, reportedChanges: [...changes.values()] };
    }
    if (step >= options.maxTurns) {
      throw new EnsembleError(
        'AGENT_FAILED',
        `agent ${options.agentName} reached maxTurns ${options.maxTurns} while still calling tools (raise maxTurns in its file, or narrow the task)`,
        { retryable: false, details: { agentName: options.agentName, maxTurns: options.maxTurns, toolCalls, lastText: answer.text } },
      );
    }
    const results: ToolResultPart[] = [];
    for (const call of answer.toolCalls) {
      const record = await runToolCall(call, toolByName.get(call.toolName), options.toolContext, options.reportEvent);
      toolCalls++;
      if (!record.ok) failedToolCalls++;
      for (const path of record.files) if (!changes.has(path)) changes.set(path, { path, kind: call.toolName.toLowerCase() });
      // A person must decide: the attempt ends here, the step's later calls unrun, nothing for the model to retry.
      if (record.escalation !== undefined) throw toEscalatedError(options.agentName, record.escalation);
      // The SDK already answered the calls it could not parse (in its response messages).
      if (call.invalidReason === undefined) results.push(record.part);
    }
    appendStep(messages, answer.responseMessages, results);
  }
}

/**
 * Appends a step's response messages and ensemble's tool results. Results join the SDK's own tool
 * message when it wrote one (errors of calls it could not parse), so every call of the assistant
 * message is answered in one tool message, as Anthropic requires.
 */
function appendStep(messages: ModelMessage[], responseMessages: readonly ModelMessage[], results: readonly ToolResultPart[]): void {
  const last = responseMessages.at(-1);
  if (last?.role === 'tool') {
    messages.push(...responseMessages.slice(0, -1));
    const merged: ToolModelMessage = { ...last, content: [...last.content, ...results] };
    messages.push(merged);
    return;
  }
  messages.push(...responseMessages);
  if (results.length > 0) messages.push({ role: 'tool', content: [...results] });
}
