import { streamText } from 'ai';
import type { LanguageModel, LanguageModelUsage, ModelMessage, OutputInterface, ToolSet } from 'ai';
import { EnsembleError, isEnsembleError } from '../../core/index.js';
import type { OutputReporter } from '../../core/index.js';
import { toProviderError } from '../../providers/index.js';
import type { ProviderErrorContext, ResolvedModel } from '../../providers/index.js';
import { createOutputCoalescer } from './output-coalescer.js';
import { readUntilAborted } from './stream-reader.js';

/** What one call has received so far: read after a failure to count what it spent. */
export interface CallProgress {
  /** The request was handed to the provider client. */
  isStarted: boolean;
  /** Text streamed so far. */
  text: string;
  /** Usage the provider reported, once it did. */
  usage: LanguageModelUsage | undefined;
}

/** One provider call. */
export interface ModelCallRequest {
  readonly model: LanguageModel;
  readonly resolved: ResolvedModel;
  /** The system prompt. */
  readonly system: string;
  /** The conversation so far: the task's user message, then each earlier step's answer and tool results. */
  readonly messages: readonly ModelMessage[];
  /** Tools the model may call, without `execute`: the SDK hands the calls back and the agent loop runs them. */
  readonly tools?: ToolSet;
  /**
   * Structured output (the AI SDK's `Output.object`): the provider is asked for JSON of its schema
   * and the answer is parsed and validated into {@link ModelCallResult.structured}. Tools given
   * with it stay defined but may not be called (`toolChoice: 'none'`): the step is the final
   * one, and Anthropic refuses a conversation holding tool calls without tool definitions.
   */
  readonly output?: StructuredOutput;
  /** Always sent, so the provider never falls back to its own (much larger) default. */
  readonly maxOutputTokens: number;
  /** A stream silent this long fails the call (retryable), in ms. */
  readonly idleTimeoutMs: number;
  readonly reportOutput: OutputReporter | undefined;
  readonly outputIntervalMs: number;
  readonly secrets: readonly string[];
  readonly warn: (message: string) => void;
  readonly progress: CallProgress;
}

/** A tool call the model asked for. */
export interface ModelToolCall {
  readonly callId: string;
  readonly toolName: string;
  /** The parsed JSON input, not yet validated (the raw text when it was not JSON). */
  readonly input: unknown;
  /**
   * Why the SDK could not take the call (input not JSON, no such tool); the SDK has then already put
   * the error result into `responseMessages`, so the loop must not answer the call again.
   */
  readonly invalidReason?: string;
}

/** A structured output specification, as made by the AI SDK's `Output.object`. */
export type StructuredOutput = OutputInterface<unknown, unknown, never>;

/** What became of a structured output request: the validated value, or why there is none (not JSON, not the schema, tool calls). */
export type StructuredAnswer = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** The answer of a call that ended well. */
export interface ModelCallResult {
  readonly text: string;
  readonly usage: LanguageModelUsage | undefined;
  readonly toolCalls: readonly ModelToolCall[];
  /** The assistant message (and the SDK's own error results of invalid calls), to append to the conversation. */
  readonly responseMessages: readonly ModelMessage[];
  /** Present when the call asked for structured output (`output`). */
  readonly structured?: StructuredAnswer;
}

/**
 * Streams one answer, reporting deltas; rejects with a provider error, a stall error or the abort
 * reason. A stream that sends nothing (not even a keep-alive event) for `idleTimeoutMs` is cut:
 * without that, a stalled server held a task until Node's 300 s body timeout (issue 6).
 */
export async function streamModelCall(request: ModelCallRequest, signal: AbortSignal): Promise<ModelCallResult> {
  if (signal.aborted) throw signal.reason;
  const { resolved, progress } = request;
  const errorContext: ProviderErrorContext = { provider: resolved.provider, modelId: resolved.modelId, secrets: request.secrets };
  const coalescer = request.reportOutput === undefined ? undefined : createOutputCoalescer(request.reportOutput, request.outputIntervalMs);
  const idle = new AbortController();
  const stalled = new EnsembleError(
    'PROVIDER_UNAVAILABLE',
    `${resolved.provider} model "${resolved.modelId}": the stream stalled: nothing received for ${request.idleTimeoutMs} ms (providerPolicy.streamIdleTimeoutMs)`,
    { retryable: true, details: { provider: resolved.provider, model: resolved.modelId, idleTimeoutMs: request.idleTimeoutMs } },
  );
  const idleTimer = setTimeout(() => idle.abort(stalled), request.idleTimeoutMs);
  const callSignal = AbortSignal.any([signal, idle.signal]);
  const toolCalls: ModelToolCall[] = [];
  let responseMessages: readonly ModelMessage[] = [];
  let structured: StructuredAnswer | undefined;
  try {
    progress.isStarted = true;
    const result = streamText({
      model: request.model,
      system: request.system,
      messages: [...request.messages],
      ...(request.tools === undefined ? {} : { tools: request.tools }),
      ...(request.output === undefined ? {} : { output: request.output }),
      ...(request.output !== undefined && request.tools !== undefined ? { toolChoice: 'none' as const } : {}),
      maxOutputTokens: request.maxOutputTokens,
      // Retries belong to the task's retry policy; the provider gate shares rate limits across tasks.
      maxRetries: 0,
      abortSignal: callSignal,
      // Every server event (pings included) counts as a sign of life for the idle timeout.
      includeRawChunks: true,
      // The default logs the raw error (request included) to stderr; errors are read from the stream instead.
      onError: () => {},
    });
    for await (const part of readUntilAborted(result.fullStream, callSignal)) {
      idleTimer.refresh();
      if (part.type === 'text-delta') {
        progress.text += part.text;
        coalescer?.push(part.text);
      } else if (part.type === 'tool-call') {
        const invalidReason = part.invalid === true ? describeInvalidCall(part.error) : undefined;
        toolCalls.push({ callId: part.toolCallId, toolName: part.toolName, input: part.input, ...(invalidReason === undefined ? {} : { invalidReason }) });
      } else if (part.type === 'finish') {
        progress.usage = part.totalUsage;
      } else if (part.type === 'error') {
        throw toProviderError(part.error, errorContext);
      } else if (part.type === 'abort') {
        throw callSignal.reason;
      } else if (part.type === 'start-step') {
        for (const warning of part.warnings) request.warn(`${resolved.provider}:${resolved.modelId}: ${describeWarning(warning)}`);
      }
    }
    // Settled once the stream ended: the assistant message of this step, tool calls included.
    if (toolCalls.length > 0) responseMessages = (await result.response).messages;
    if (request.output !== undefined) structured = await readStructuredAnswer(result.output);
  } catch (error) {
    coalescer?.discard();
    if (signal.aborted) throw signal.reason;
    if (idle.signal.aborted) throw stalled;
    throw isEnsembleError(error) ? error : toProviderError(error, errorContext);
  } finally {
    clearTimeout(idleTimer);
  }
  if (signal.aborted) {
    coalescer?.discard();
    throw signal.reason;
  }
  // A web page or an unrelated API at the base URL "succeeds" with an empty event stream.
  if (progress.text === '' && toolCalls.length === 0 && progress.usage?.inputTokens === undefined && progress.usage?.outputTokens === undefined) {
    coalescer?.discard();
    throw new EnsembleError(
      'PROVIDER_ERROR',
      `${resolved.provider} model "${resolved.modelId}": malformed response: the stream ended without any output or token usage (is the base URL right?)`,
      { details: { provider: resolved.provider, model: resolved.modelId } },
    );
  }
  coalescer?.flush();
  return { text: progress.text, usage: progress.usage, toolCalls, responseMessages, ...(structured === undefined ? {} : { structured }) };
}

/**
 * The parsed and validated structured answer. The SDK rejects it (NoObjectGeneratedError) when
 * the text is not JSON or not of the schema, as when a server ignores the response format: that
 * is an answer without structure, not a failed call.
 */
async function readStructuredAnswer(output: PromiseLike<unknown>): Promise<StructuredAnswer> {
  try {
    return { ok: true, value: await output };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The cause quotes the whole answer first; its last line says what was wrong with it.
    const cause = error instanceof Error && error.cause instanceof Error ? ` ${error.cause.message.trim().split('\n').at(-1) ?? ''}` : '';
    return { ok: false, reason: describeInvalidCall(`${message}${cause}`.replace(/\s+/g, ' ').trim()) };
  }
}

function describeInvalidCall(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}

function describeWarning(warning: unknown): string {
  if (typeof warning !== 'object' || warning === null) return String(warning);
  const record = warning as Record<string, unknown>;
  if (typeof record.message === 'string') return record.message;
  const feature = typeof record.feature === 'string' ? record.feature : 'a setting';
  const details = typeof record.details === 'string' ? ` (${record.details})` : '';
  return `${String(record.type ?? 'warning')}: ${feature}${details}`;
}
