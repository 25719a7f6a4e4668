import { streamText } from 'ai';
import type { LanguageModel, LanguageModelUsage } from 'ai';
import { EnsembleError, isEnsembleError } from '../../core/index.js';
import type { BudgetReservation, OutputReporter, TaskOutcome, TokenUsage } from '../../core/index.js';
import { collectSecrets } from '../../config/index.js';
import type { ModelPrice, ProviderName, ProviderSettings, TierTable } from '../../config/index.js';
import type { AgentInvocation, AgentRuntime } from '../agent-runtime.js';
import { createCostTable } from '../../providers/index.js';
import type { CostTable } from '../../providers/index.js';
import { estimateTokens } from '../../context/index.js';
import { createOutputCoalescer, OUTPUT_REPORT_INTERVAL_MS } from './output-coalescer.js';
import { composeLlmMessages } from './compose-llm-messages.js';
import type { LlmMessages } from './compose-llm-messages.js';
import { toProviderError } from '../../providers/index.js';
import type { ProviderErrorContext } from '../../providers/index.js';
import { createLlmProviders } from '../../providers/index.js';
import { readUntilAborted } from './stream-reader.js';
import { resolveModelReference } from '../../providers/index.js';
import type { ResolvedModel } from '../../providers/index.js';

/** Output tokens reserved against a budget when the task sets no `maxTokens`. */
export const DEFAULT_RESERVED_OUTPUT_TOKENS = 4096;

/** Options of {@link createLlmRuntime}; the fields of an `EnsembleConfig` fit as they are. */
export interface LlmRuntimeOptions {
  /** Provider of model references that name none. */
  readonly provider: ProviderName;
  /** Keys and addresses of the configured providers. */
  readonly providers: Readonly<Partial<Record<ProviderName, ProviderSettings>>>;
  /** Tier → model overrides per provider. */
  readonly tiers?: Readonly<Partial<Record<ProviderName, TierTable>>>;
  /** Price overrides, keyed `provider:model` or `provider:*`. */
  readonly costs?: Readonly<Record<string, ModelPrice>>;
  /** Default model reference (ENSEMBLE_MODEL, the config's `model`), used for empty references. */
  readonly model?: string;
  /** Told about unknown prices, missing usage figures and provider warnings, once each. @default ignore */
  readonly onWarning?: (message: string) => void;
  /** Least gap between two partial-output reports, in ms. @default 250 */
  readonly outputIntervalMs?: number;
  /** The fetch the provider clients use. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

/** The `llm` runtime: an {@link AgentRuntime} that also names the concrete model a reference resolves to. */
export interface LlmRuntime extends AgentRuntime {
  readonly kind: 'llm';
  /** The default provider. */
  readonly provider: ProviderName;
  /** `provider:modelId` for a model reference (tier, id or `provider:model`); never throws. */
  describeModel(reference: string): string;
}

interface StreamResult {
  readonly text: string;
  readonly usage: LanguageModelUsage | undefined;
}

/**
 * Runs `llm` agents on a model through the Vercel AI SDK. The agent's body is the system
 * prompt; the task prompt and its dependencies' outputs are the user message; `maxTokens` caps
 * the answer. Text streams into `reportOutput` (coalesced); usage is what the provider reports,
 * cost comes from the cost table. With a budget, the worst case is reserved before the call
 * (BUDGET_EXCEEDED, no call, when it would cross a cap). Each call goes through the provider gate
 * when there is one, with the AI SDK's own retries off: provider errors become
 * PROVIDER_RATE_LIMITED / PROVIDER_UNAVAILABLE / PROVIDER_ERROR, API keys redacted.
 */
export function createLlmRuntime(options: LlmRuntimeOptions): LlmRuntime {
  silenceSdkWarningLog();
  const providers = createLlmProviders({ providers: options.providers, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
  const warnOnce = onceEach(options.onWarning);
  const costs = createCostTable({ ...(options.costs === undefined ? {} : { overrides: options.costs }), onWarning: warnOnce });
  const secrets = collectSecrets(options);
  const resolve = (reference: string): ResolvedModel =>
    resolveModelReference(reference, {
      provider: options.provider,
      ...(options.tiers === undefined ? {} : { tiers: options.tiers }),
      ...(options.model === undefined ? {} : { defaultModel: options.model }),
    });
  const context: LlmCallContext = { providers, costs, secrets, warnOnce, outputIntervalMs: options.outputIntervalMs ?? OUTPUT_REPORT_INTERVAL_MS };
  return {
    kind: 'llm',
    provider: options.provider,
    describeModel(reference) {
      try {
        const resolved = resolve(reference);
        return `${resolved.provider}:${resolved.modelId}`;
      } catch {
        return `${options.provider}:${reference}`;
      }
    },
    run: async (invocation, signal) => {
      if (signal.aborted) throw signal.reason;
      return runLlmTask(invocation, signal, resolve(invocation.model), context);
    },
  };
}

/** What every call of one runtime shares. */
interface LlmCallContext {
  readonly providers: ReturnType<typeof createLlmProviders>;
  readonly costs: CostTable;
  readonly secrets: readonly string[];
  readonly warnOnce: (message: string) => void;
  readonly outputIntervalMs: number;
}

async function runLlmTask(invocation: AgentInvocation, signal: AbortSignal, resolved: ResolvedModel, context: LlmCallContext): Promise<TaskOutcome> {
  const { request, agent } = invocation;
  const model = context.providers.languageModel(resolved.provider, resolved.modelId);
  const messages = composeLlmMessages(agent, request.task, request.inputs);
  const label = `${resolved.provider}:${resolved.modelId}`;
  const nextReporter = invocation.reportOutput === undefined ? undefined : restartableReporter(invocation.reportOutput);
  const restartable = (base: AgentInvocation): AgentInvocation => (nextReporter === undefined ? base : { ...base, reportOutput: nextReporter() });
  const reservation = reserveBudget(invocation, resolved, messages, context.costs);
  try {
    const call = (callSignal: AbortSignal): Promise<StreamResult> => streamOnce(restartable(invocation), model, messages, resolved, context, callSignal);
    const result = invocation.gate === undefined ? await call(signal) : await invocation.gate.run(resolved.provider, signal, call);
    if (signal.aborted) throw signal.reason;
    const usage = toTokenUsage(result, messages, label, context.warnOnce);
    const costUsd = context.costs.costOf(resolved.provider, resolved.modelId, usage);
    reservation?.commit({ tokens: usage.totalTokens, costUsd });
    return { output: result.text, usage, costUsd, model: label, evidence: { runtime: 'llm' } };
  } catch (error) {
    reservation?.release();
    if (signal.aborted) throw signal.reason;
    throw error;
  }
}

/**
 * The gate may call the model again after a failed stream: the first output of such a retry is
 * marked `restart`, so listeners drop the partial answer of the failed call instead of
 * appending the new one to it.
 */
function restartableReporter(report: OutputReporter): () => OutputReporter {
  let hasReported = false;
  let calls = 0;
  return () => {
    let isRestart = ++calls > 1 && hasReported;
    return (delta) => {
      report(delta, isRestart ? { restart: true } : undefined);
      isRestart = false;
      hasReported = true;
    };
  };
}

/** Holds the call's worst case (estimated prompt + max output tokens) against the run's caps. */
function reserveBudget(invocation: AgentInvocation, resolved: ResolvedModel, messages: LlmMessages, costs: CostTable): BudgetReservation | undefined {
  const budget = invocation.budget;
  if (budget === undefined || !budget.isCapped) return undefined;
  const inputTokens = estimateTokens(`${messages.system}\n${messages.prompt}`);
  const outputTokens = invocation.request.task.maxTokens ?? DEFAULT_RESERVED_OUTPUT_TOKENS;
  return budget.reserve({
    taskId: invocation.request.task.id,
    agentName: invocation.agent.name,
    tokens: inputTokens + outputTokens,
    costUsd: costs.costOf(resolved.provider, resolved.modelId, { inputTokens, outputTokens }),
  });
}

/** One provider call: streams the answer, reporting deltas; rejects with a provider error or the abort reason. */
async function streamOnce(
  invocation: AgentInvocation,
  model: LanguageModel,
  messages: LlmMessages,
  resolved: ResolvedModel,
  context: LlmCallContext,
  signal: AbortSignal,
): Promise<StreamResult> {
  if (signal.aborted) throw signal.reason;
  const errorContext: ProviderErrorContext = { provider: resolved.provider, modelId: resolved.modelId, secrets: context.secrets };
  const reportOutput = invocation.reportOutput;
  const coalescer = reportOutput === undefined ? undefined : createOutputCoalescer(reportOutput, context.outputIntervalMs);
  let text = '';
  let usage: LanguageModelUsage | undefined;
  try {
    const result = streamText({
      model,
      system: messages.system,
      prompt: messages.prompt,
      ...(invocation.request.task.maxTokens === undefined ? {} : { maxOutputTokens: invocation.request.task.maxTokens }),
      // Retries belong to the provider gate and the scheduler, which share rate limits across tasks.
      maxRetries: 0,
      abortSignal: signal,
      // The default logs the raw error (request included) to stderr; errors are read from the stream instead.
      onError: () => {},
    });
    for await (const part of readUntilAborted(result.fullStream, signal)) {
      if (part.type === 'text-delta') {
        text += part.text;
        coalescer?.push(part.text);
      } else if (part.type === 'finish') {
        usage = part.totalUsage;
      } else if (part.type === 'error') {
        throw toProviderError(part.error, errorContext);
      } else if (part.type === 'abort') {
        throw signal.reason;
      } else if (part.type === 'start-step') {
        for (const warning of part.warnings) context.warnOnce(`${resolved.provider}:${resolved.modelId}: ${describeWarning(warning)}`);
      }
    }
  } catch (error) {
    coalescer?.discard();
    if (signal.aborted) throw signal.reason;
    throw isEnsembleError(error) ? error : toProviderError(error, errorContext);
  }
  if (signal.aborted) {
    coalescer?.discard();
    throw signal.reason;
  }
  // A web page or an unrelated API at the base URL "succeeds" with an empty event stream.
  if (text === '' && usage?.inputTokens === undefined && usage?.outputTokens === undefined) {
    throw new EnsembleError(
      'PROVIDER_ERROR',
      `${resolved.provider} model "${resolved.modelId}": malformed response: the stream ended without any output or token usage (is the base URL right?)`,
      { details: { provider: resolved.provider, model: resolved.modelId } },
    );
  }
  coalescer?.flush();
  return { text, usage };
}

/** The provider's figures; a side it did not report is estimated (and said so once per model). */
function toTokenUsage(result: StreamResult, messages: LlmMessages, label: string, warnOnce: (message: string) => void): TokenUsage {
  const reportedInput = result.usage?.inputTokens;
  const reportedOutput = result.usage?.outputTokens;
  if (reportedInput === undefined || reportedOutput === undefined) {
    warnOnce(`${label} did not report token usage; tokens are estimated from the text`);
  }
  const inputTokens = reportedInput ?? estimateTokens(`${messages.system}\n${messages.prompt}`);
  const outputTokens = reportedOutput ?? estimateTokens(result.text);
  const reportedTotal = result.usage?.totalTokens;
  const totalTokens = reportedInput !== undefined && reportedOutput !== undefined && reportedTotal !== undefined ? reportedTotal : inputTokens + outputTokens;
  return { inputTokens, outputTokens, totalTokens };
}

function describeWarning(warning: unknown): string {
  if (typeof warning !== 'object' || warning === null) return String(warning);
  const record = warning as Record<string, unknown>;
  if (typeof record.message === 'string') return record.message;
  const feature = typeof record.feature === 'string' ? record.feature : 'a setting';
  const details = typeof record.details === 'string' ? ` (${record.details})` : '';
  return `${String(record.type ?? 'warning')}: ${feature}${details}`;
}

function onceEach(onWarning: ((message: string) => void) | undefined): (message: string) => void {
  const seen = new Set<string>();
  return (message) => {
    if (onWarning === undefined || seen.has(message)) return;
    seen.add(message);
    onWarning(message);
  };
}

/**
 * The AI SDK prints provider warnings with console.warn unless told otherwise; ensemble reports
 * them through `onWarning` instead. A logger the host application installed is left alone.
 */
function silenceSdkWarningLog(): void {
  if (globalThis.AI_SDK_LOG_WARNINGS === undefined) globalThis.AI_SDK_LOG_WARNINGS = false;
}
