import { realpath } from 'node:fs/promises';
import type { LanguageModel, ModelMessage, ToolSet } from 'ai';
import { z } from 'zod';
import { isEnsembleError, serializeError } from '../../core/index.js';
import type { BudgetHold, TaskEvidence, TaskOutcome, TokenUsage } from '../../core/index.js';
import { collectSecrets, PROVIDER_POLICY_DEFAULTS } from '../../config/index.js';
import type { ModelPrice, ProviderName, ProviderSettings, TierTable } from '../../config/index.js';
import type { AgentInvocation, AgentRuntime } from '../agent-runtime.js';
import { createCostTable, createLlmProviders, referencedTier, resolveModelReference } from '../../providers/index.js';
import type { CostTable, GateCallOptions, NoticeMemory, ResolvedModel } from '../../providers/index.js';
import { estimateTokens } from '../../context/index.js';
import type { ToolContext, WorkspaceTool } from '../../tools/index.js';
import { buildAgentEnvironment, createAttemptDir, createShellRunner, diffSinceSnapshot, enterWorkspace, removeAttemptDir, snapshotWorkTree } from '../process/index.js';
import type { WorkspaceVisit, WorkTreeSnapshot } from '../process/index.js';
import { DEFAULT_MAX_TURNS } from '../schema.js';
import { leasesOf } from '../attempt-messaging.js';
import { offerAgentTools } from './offer-agent-tools.js';
import { composeToolGuide } from './compose-tool-guide.js';
import { runAgentLoop } from './run-agent-loop.js';
import { OUTPUT_REPORT_INTERVAL_MS } from './output-coalescer.js';
import { composeLlmMessages } from './compose-llm-messages.js';
import { streamModelCall } from './stream-model-call.js';
import type { CallProgress, ModelCallResult, StructuredOutput } from './stream-model-call.js';
import { spendOfFailedCall, toTokenUsage } from './call-spend.js';
import { checkLlmModels } from './check-llm-models.js';
import type { LlmModelUse } from './check-llm-models.js';

/**
 * Output tokens of a call whose task sets no `maxTokens`: always sent as the call's output limit
 * and reserved against budgets. Sending it matters: without it Anthropic was asked for 64,000
 * output tokens while 4,096 were reserved (issue 6).
 */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

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
  /** Told about unknown prices, missing usage figures, model fallbacks and provider warnings, once each. @default ignore */
  readonly onWarning?: (message: string) => void;
  /** Remembers one-time notices (unknown prices) beyond this runtime, e.g. per machine. @default this runtime only */
  readonly notices?: NoticeMemory;
  /** Least gap between two partial-output reports, in ms. @default 250 */
  readonly outputIntervalMs?: number;
  /** A stream that sends nothing this long fails its call (PROVIDER_UNAVAILABLE, retryable), in ms. @default 60000 */
  readonly streamIdleTimeoutMs?: number;
  /** How long asking a local server for its models (in {@link LlmRuntime.prepare}) may take, in ms. @default 3000 */
  readonly modelCheckTimeoutMs?: number;
  /** The fetch the provider clients use. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /** The workspace tools agents may be offered (filtered by each agent's `tools` list and the run's ceiling). @default none: one completion per task */
  readonly tools?: readonly WorkspaceTool[];
  /** Delay between SIGTERM and SIGKILL to a `Bash` command's processes when its task stops, in ms. @default 2000 */
  readonly killGraceMs?: number;
}

/** Delay between SIGTERM and SIGKILL to a stopped `Bash` command, as for `command` agents. */
const DEFAULT_KILL_GRACE_MS = 2000;

/** The `llm` runtime: an {@link AgentRuntime} that also names the concrete model a reference resolves to. */
export interface LlmRuntime extends AgentRuntime {
  readonly kind: 'llm';
  /** The default provider. */
  readonly provider: ProviderName;
  /** `provider:modelId` for a model reference (tier, id or `provider:model`); never throws. */
  describeModel(reference: string): string;
  /**
   * Checks the models a run will use before it starts: providers configured, local servers serving
   * them (a missing tier model falls back to the default or the only model, said once), prices
   * known under dollar caps. Rejects with PROVIDER_NOT_CONFIGURED or INVALID_CONFIG naming the
   * model and the fix.
   */
  prepare(uses: readonly LlmModelUse[], options?: { readonly signal?: AbortSignal }): Promise<void>;
}

/**
 * Runs `llm` agents on a model through the Vercel AI SDK, as tool-using agent loops (see
 * `runAgentLoop`): the agent's tools within the run's ceiling are offered, and each model step is
 * one call as described below, its spend counted and its tool calls run until an answer or
 * `maxTurns`; in a git work tree, an agent that may change files leaves its diff as evidence. The
 * agent's body is the system prompt; the task prompt and its dependencies' outputs are the user message; `maxTokens` (else
 * 4,096) caps the answer and is always sent. Text streams into `reportOutput` (coalesced); a
 * stream silent for `streamIdleTimeoutMs` fails. With a budget, the worst case is held before the
 * call (waiting while other calls' holds make it not fit; BUDGET_EXCEEDED, no call, when it
 * cannot fit at all) and replaced by what the call spent, failed and aborted calls included. Each
 * call goes through the provider gate once (no retries of its own or the SDK's: the task's retry
 * policy retries), its waits reported as `provider:pause` / `provider:circuit` and kept off the
 * task's timeout. Provider errors become PROVIDER_RATE_LIMITED / PROVIDER_UNAVAILABLE /
 * PROVIDER_ERROR, API keys redacted. Spend goes to `reportUsage` when the invocation has it
 * (then not into the outcome), else into the outcome.
 */
export function createLlmRuntime(options: LlmRuntimeOptions): LlmRuntime {
  silenceSdkWarningLog();
  const providers = createLlmProviders({ providers: options.providers, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
  const warnOnce = onceEach(options.onWarning);
  const costs = createCostTable({
    ...(options.costs === undefined ? {} : { overrides: options.costs }),
    onWarning: warnOnce,
    ...(options.notices === undefined ? {} : { notices: options.notices }),
  });
  const secrets = collectSecrets(options);
  // Models a local server lacks, replaced after `prepare` (`provider:modelId` → model id).
  let substitutions: ReadonlyMap<string, string> = new Map();
  const resolveBase = (reference: string): ResolvedModel & { readonly tier?: string } => {
    const resolveOptions = {
      provider: options.provider,
      ...(options.tiers === undefined ? {} : { tiers: options.tiers }),
      ...(options.model === undefined ? {} : { defaultModel: options.model }),
    };
    const resolved = resolveModelReference(reference, resolveOptions);
    const tier = referencedTier(reference, resolveOptions);
    return tier === undefined ? resolved : { ...resolved, tier };
  };
  const resolve = (reference: string): ResolvedModel => {
    const { provider, modelId } = resolveBase(reference);
    return { provider, modelId: substitutions.get(`${provider}:${modelId}`) ?? modelId };
  };
  const context: LlmCallContext = {
    providers,
    costs,
    secrets,
    warnOnce,
    outputIntervalMs: options.outputIntervalMs ?? OUTPUT_REPORT_INTERVAL_MS,
    idleTimeoutMs: options.streamIdleTimeoutMs ?? PROVIDER_POLICY_DEFAULTS.streamIdleTimeoutMs,
    tools: options.tools ?? [],
    killGraceMs: options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
  };
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
    async prepare(uses, prepareOptions = {}) {
      substitutions = await checkLlmModels(uses, {
        providers: options.providers,
        costs,
        resolve: resolveBase,
        defaultModelOf: (provider) => concreteDefaultModel(options.model, provider, options.provider),
        timeoutMs: options.modelCheckTimeoutMs ?? PROVIDER_POLICY_DEFAULTS.modelCheckTimeoutMs,
        warn: warnOnce,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        ...(prepareOptions.signal === undefined ? {} : { signal: prepareOptions.signal }),
      });
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
  readonly idleTimeoutMs: number;
  readonly tools: readonly WorkspaceTool[];
  readonly killGraceMs: number;
}

async function runLlmTask(invocation: AgentInvocation, signal: AbortSignal, resolved: ResolvedModel, context: LlmCallContext): Promise<TaskOutcome> {
  const { request, agent } = invocation;
  const model: LanguageModel = context.providers.languageModel(resolved.provider, resolved.modelId);
  const tools = await offerAgentTools(invocation, context.tools, signal);
  const messages = composeLlmMessages(agent, request.task, request.inputs, request.context);
  const leases = leasesOf(invocation);
  const guideOptions = leases === undefined ? {} : { heldLeases: leases.held() };
  const system = tools.length === 0 ? messages.system : `${messages.system}\n\n${composeToolGuide(tools, request.permissions, guideOptions)}`;
  const label = `${resolved.provider}:${resolved.modelId}`;
  const maxOutputTokens = request.task.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  // Tool definitions are sent with every step: part of each step's input.
  const toolsEstimate = estimateToolTokens(tools);
  const total = { usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 }, costUsd: 0 };
  let hasStepOutput = false;
  // Steps after one that showed text start on a new paragraph of the live output.
  const reportOutput: AgentInvocation['reportOutput'] =
    invocation.reportOutput === undefined
      ? undefined
      : (delta, options) => {
          invocation.reportOutput?.(hasStepOutput && delta !== '' ? `\n\n${delta}` : delta, options);
          hasStepOutput = false;
        };
  // The conversation only grows: each message is estimated once, not once per later step.
  let estimatedMessages = 0;
  let conversationEstimate = estimateTokens(system) + toolsEstimate;
  const callModel = async (conversation: readonly ModelMessage[], sdkTools: ToolSet | undefined, output?: StructuredOutput): Promise<ModelCallResult> => {
    for (; estimatedMessages < conversation.length; estimatedMessages++) conversationEstimate += estimateTokens(JSON.stringify(conversation[estimatedMessages]));
    const inputEstimate = conversationEstimate;
    const hold = await holdBudget(invocation, resolved, inputEstimate, maxOutputTokens, context.costs, signal);
    const progress: CallProgress = { isStarted: false, text: '', usage: undefined };
    let spend: { usage: TokenUsage; costUsd: number } | undefined;
    try {
      const call = (callSignal: AbortSignal) =>
        streamModelCall(
          {
            model,
            resolved,
            system,
            messages: conversation,
            ...(sdkTools === undefined ? {} : { tools: sdkTools }),
            ...(output === undefined ? {} : { output }),
            maxOutputTokens,
            idleTimeoutMs: context.idleTimeoutMs,
            reportOutput,
            outputIntervalMs: context.outputIntervalMs,
            secrets: context.secrets,
            warn: context.warnOnce,
            progress,
          },
          callSignal,
        );
      const result = invocation.gate === undefined ? await call(signal) : await invocation.gate.run(resolved.provider, signal, call, gateOptions(invocation, resolved));
      if (signal.aborted) throw signal.reason;
      const usage = toTokenUsage(result.usage, result.text, inputEstimate, label, context.warnOnce);
      spend = { usage, costUsd: context.costs.costOf(resolved.provider, resolved.modelId, usage) };
      if (result.text !== '') hasStepOutput = true;
      return result;
    } catch (error) {
      const usage = spendOfFailedCall(progress, signal.aborted ? signal.reason : error, inputEstimate);
      spend = { usage, costUsd: usage.totalTokens === 0 ? 0 : context.costs.costOf(resolved.provider, resolved.modelId, usage) };
      if (signal.aborted) throw signal.reason;
      throw error;
    } finally {
      settleSpend(invocation, hold, spend);
      if (spend !== undefined) addSpend(total, spend);
    }
  };
  // A model served without tool support (an Ollama model without it, vLLM without a tool parser)
  // refuses every request that offers tools: the agent then works without them, said once.
  let isToolless = false;
  const step = async (conversation: readonly ModelMessage[], sdkTools: ToolSet | undefined, output?: StructuredOutput): Promise<ModelCallResult> => {
    if (sdkTools === undefined || isToolless) return callModel(conversation, undefined, output);
    try {
      return await callModel(conversation, sdkTools, output);
    } catch (error) {
      if (signal.aborted || !isToolSupportRefusal(error)) throw error;
      isToolless = true;
      context.warnOnce(`${label} does not accept tools (${errorMessage(error)}); its agents answer without reading or changing the workspace`);
      return callModel(conversation, undefined, output);
    }
  };
  // Only tools that may change the workspace make a diff worth the two snapshots.
  const mayChangeFiles = tools.some((tool) => tool.permission !== 'read');
  const workspaceDir = tools.length === 0 ? invocation.workspaceDir : await realpath(invocation.workspaceDir);
  const scratchDir = mayChangeFiles ? createAttemptDir() : undefined;
  let visit: WorkspaceVisit | undefined;
  try {
    const snapshot: WorkTreeSnapshot | undefined =
      scratchDir === undefined
        ? undefined
        : await snapshotWorkTree(workspaceDir, scratchDir, signal, (topLevel) => {
            visit = enterWorkspace(topLevel);
          });
    const toolContext = createToolContext(invocation, tools, workspaceDir, signal, context.killGraceMs);
    const loop = await runAgentLoop(
      {
        agentName: agent.name,
        system,
        prompt: messages.prompt,
        tools,
        maxTurns: agent.maxTurns ?? DEFAULT_MAX_TURNS,
        toolContext,
        reportEvent: invocation.reportEvent,
        responseFormat: request.task.responseFormat,
        warn: context.warnOnce,
        step,
      },
      signal,
    );
    const diff = snapshot === undefined ? undefined : await diffSinceSnapshot(snapshot, signal);
    if (signal.aborted) throw signal.reason;
    const evidence: TaskEvidence = {
      runtime: 'llm',
      ...(tools.length === 0 ? {} : { permissions: request.permissions, toolCalls: loop.toolCalls }),
      ...(loop.failedToolCalls === 0 ? {} : { failedToolCalls: loop.failedToolCalls }),
      ...(loop.reportedChanges.length === 0 ? {} : { reportedChanges: loop.reportedChanges }),
      ...(diff === undefined ? {} : { diff, diffShared: visit?.isShared ?? false }),
    };
    const isReported = invocation.reportUsage !== undefined;
    return {
      output: loop.text,
      ...(isReported ? {} : { usage: total.usage, costUsd: total.costUsd }),
      model: label,
      evidence,
    };
  } finally {
    visit?.leave();
    if (scratchDir !== undefined) removeAttemptDir(scratchDir);
  }
}

/**
 * What the tools of one attempt run with: the workspace's real path, the task's signal (a running
 * tool stops with the task), its file leases when it has some, and, only when `Bash` is offered, a shell runner on the process agents'
 * machinery: the agent's allow-listed environment, its limits, `agent:process` events.
 */
function createToolContext(invocation: AgentInvocation, tools: readonly WorkspaceTool[], workspaceDir: string, signal: AbortSignal, killGraceMs: number): ToolContext {
  const leases = leasesOf(invocation);
  // Under file leases Write, Edit and Bash check paths against them, and journal refusals.
  const base: ToolContext = {
    workspaceDir,
    signal,
    ...(leases === undefined ? {} : { leases }),
    ...(invocation.reportEvent === undefined ? {} : { reportEvent: invocation.reportEvent }),
  };
  if (!tools.some((tool) => tool.name === 'Bash')) return base;
  const { request, agent } = invocation;
  const env = buildAgentEnvironment(process.env, agent.env, {
    ENSEMBLE_RUN_ID: request.runId,
    ENSEMBLE_TASK_ID: request.task.id,
    ENSEMBLE_EXECUTION_ID: request.executionId,
    ENSEMBLE_ATTEMPT: String(request.attempt),
    ENSEMBLE_AGENT_NAME: agent.name,
  });
  const report = invocation.reportEvent;
  const runShell = createShellRunner({
    agentName: agent.name,
    env,
    ...(agent.limits === undefined ? {} : { limits: agent.limits }),
    killGraceMs,
    ...(report === undefined
      ? {}
      : {
          onStarted: ({ tracking: _tracking, ...fields }) => report('agent:process', { state: 'started', ...fields }),
          onExited: ({ tracking: _tracking, ...fields }) => report('agent:process', { state: 'exited', ...fields }),
        }),
  });
  return { ...base, runShell };
}

/** Tokens the tool definitions add to every step's input: names, descriptions and input schemas. */
function estimateToolTokens(tools: readonly WorkspaceTool[]): number {
  if (tools.length === 0) return 0;
  const text = tools.map((tool) => `${tool.name}\n${tool.description}\n${JSON.stringify(tool.inputJsonSchema ?? safeJsonSchema(tool.inputSchema))}`).join('\n');
  return estimateTokens(text);
}

function safeJsonSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return {};
  }
}

function addSpend(total: { usage: TokenUsage; costUsd: number }, spend: { readonly usage: TokenUsage; readonly costUsd: number }): void {
  total.usage = {
    inputTokens: total.usage.inputTokens + spend.usage.inputTokens,
    outputTokens: total.usage.outputTokens + spend.usage.outputTokens,
    totalTokens: total.usage.totalTokens + spend.usage.totalTokens,
  };
  total.costUsd += spend.costUsd;
}

/** Commits what the call spent (releasing the hold when it spent nothing) and reports it once. */
function settleSpend(invocation: AgentInvocation, hold: BudgetHold | undefined, spend: { usage: TokenUsage; costUsd: number } | undefined): void {
  if (spend === undefined || (spend.usage.totalTokens === 0 && spend.costUsd === 0)) {
    hold?.release();
    return;
  }
  hold?.commit({ tokens: spend.usage.totalTokens, costUsd: spend.costUsd });
  invocation.reportUsage?.(spend.usage, spend.costUsd);
}

/** Relays the gate's waits and breaker changes as activity events of the attempt, and keeps waits off its timeout. */
function gateOptions(invocation: AgentInvocation, resolved: ResolvedModel): GateCallOptions {
  const report = invocation.reportEvent;
  return {
    ...(report === undefined
      ? {}
      : {
          onPause: (pause) =>
            report('provider:pause', {
              provider: resolved.provider,
              reason: pause.reason,
              waitMs: Math.max(0, Math.round(pause.waitMs)),
              ...(pause.error === undefined ? {} : { error: serializeError(pause.error) }),
            }),
          onCircuit: (change) =>
            report('provider:circuit', { provider: resolved.provider, state: change.state, ...(change.failures === undefined ? {} : { failures: change.failures }) }),
        }),
    ...(invocation.suspendTimeout === undefined ? {} : { suspendTimeout: invocation.suspendTimeout }),
  };
}

/**
 * Holds the call's worst case (estimated prompt + max output tokens) against the run's caps. The
 * wait for other calls' holds to settle is not the task's own work, so its timeout stops meanwhile.
 */
async function holdBudget(
  invocation: AgentInvocation,
  resolved: ResolvedModel,
  inputTokens: number,
  outputTokens: number,
  costs: CostTable,
  signal: AbortSignal,
): Promise<BudgetHold | undefined> {
  const budget = invocation.budget;
  if (budget === undefined || !budget.isCapped) return undefined;
  const reserving = budget.reserve(
    {
      taskId: invocation.request.task.id,
      agentName: invocation.agent.name,
      tokens: inputTokens + outputTokens,
      costUsd: costs.costOf(resolved.provider, resolved.modelId, { inputTokens, outputTokens }),
    },
    { signal },
  );
  const resume = invocation.suspendTimeout?.();
  try {
    return await reserving;
  } finally {
    resume?.();
  }
}

/** The configured default model when it is a concrete model id of `provider`. */
function concreteDefaultModel(defaultModel: string | undefined, provider: ProviderName, defaultProvider: ProviderName): string | undefined {
  if (defaultModel === undefined) return undefined;
  try {
    const resolved = resolveModelReference(defaultModel, { provider: defaultProvider });
    return resolved.provider === provider && referencedTier(defaultModel, { provider: defaultProvider }) === undefined ? resolved.modelId : undefined;
  } catch {
    return undefined;
  }
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

// What servers answer when a model cannot take tools: Ollama ("… does not support tools"), vLLM
// ("auto" tool choice requires --enable-auto-tool-choice …), llama.cpp ("tools param requires --jinja").
const TOOL_SUPPORT_REFUSAL = /does not support tools|tool choice requires|enable-auto-tool-choice|tools param requires|tools? (?:use |calling )?(?:is |are )?not supported/i;

/** Whether a model call failed because the model or its server does not take tools (a 4xx saying so). */
function isToolSupportRefusal(error: unknown): boolean {
  return isEnsembleError(error) && error.code === 'PROVIDER_ERROR' && TOOL_SUPPORT_REFUSAL.test(error.message);
}

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
