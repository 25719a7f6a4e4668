import type { z } from 'zod';
import { EnsembleError, deserializeError, toInputIssues, type Logger, type RunEvent, type RunEventOf, type TokenUsage } from '../core/index.js';
import { stderrLogger } from '../host/index.js';
import { inProcessAgents, loadAgentRegistry, type AgentRegistry } from '../agents/index.js';
import { AgentOrchestrator } from '../orchestrator/index.js';
import { defaultStorePath, openMemoryStore, type MemoryEntry } from '../store/index.js';
import { composeChatPrompt } from './compose-chat-prompt.js';
import { chatMessageSchema, chatOptionsSchema } from './schema.js';
import { selectChatMemory } from './select-chat-memory.js';
import { unknownAgentError } from './unknown-agent-error.js';

/** Id of the one task of a chat run. */
const REPLY_TASK_ID = 'reply';
/** Longest message excerpt in the reply task's description. */
const MAX_DESCRIPTION_CHARS = 72;
/** Entries read back per recalled exchange: a message, its reply and room for notes. */
const ENTRIES_READ_PER_EXCHANGE = 8;

/** Options of {@link chat}. */
export interface ChatOptions {
  /** SQLite journal holding the chat run and the agent's memory. @default $ENSEMBLE_HOME/ensemble.db, else ./.ensemble/ensemble.db */
  readonly store?: string;
  /** Extra folders of agent definitions, searched first. */
  readonly agentDirs?: readonly string[];
  /** Working directory of `command` and `cli` agents (and where ./agents is looked up). @default process.cwd() */
  readonly workspaceDir?: string;
  /** A preloaded agent registry. @default loaded from agentDirs, ./agents, ./.claude/agents, ~/.claude/agents and the catalogue */
  readonly registry?: AgentRegistry;
  /** Provider for `llm` agents (otherwise from the environment or ensemble.config.yaml). */
  readonly provider?: string;
  /** Model of the reply: a tier alias or `provider:model`. */
  readonly model?: string;
  /** Most earlier exchanges (a message and its reply) recalled into the prompt. @default 10 */
  readonly memoryExchanges?: number;
  /** Token budget of the recalled memory (estimated tokens); older exchanges that do not fit are left out. @default 4000 */
  readonly memoryTokenBudget?: number;
  /** Timeout of the reply, in ms. @default the agent's timeoutMs, else none */
  readonly timeoutMs?: number;
  /** Simulated runtime latency, in ms. @default ENSEMBLE_SIMULATED_LATENCY_MS, else 300-1200 ms */
  readonly simulatedLatencyMs?: number;
  /** Cancels the reply; `chat` then rejects with the signal's reason and remembers nothing. */
  readonly signal?: AbortSignal;
  /** Receives every event of the chat run. */
  readonly onEvent?: (event: RunEvent) => void;
  /** Where warnings (an agent file replacing another, unknown prices) go. @default `ensemble: …` lines on stderr */
  readonly logger?: Logger;
}

/** The agent's answer to one chat message. */
export interface ChatReply {
  readonly agentName: string;
  readonly reply: string;
  /** The journaled run that produced the reply (`ensemble runs show <runId>`). */
  readonly runId: string;
  /** The runtime that answered: `llm`, `simulated`, `cli`, `command`, `in-process`. */
  readonly runtime: string;
  /** True when the offline simulated runtime answered (no model was called); the reply says so too. */
  readonly simulated: boolean;
  readonly model?: string;
  readonly usage: TokenUsage;
  readonly costUsd: number;
  /** Duration of the reply, in ms. */
  readonly durationMs: number;
  readonly memory: {
    /** Entries recalled into the prompt. */
    readonly recalled: number;
    /** Earlier entries left out by the exchange limit or the token budget. */
    readonly omitted: number;
    /** Estimated tokens of the recalled entries. */
    readonly recalledTokens: number;
    /** Entries in the agent's memory now, this exchange included. */
    readonly total: number;
  };
  /** The prompt the agent was given. */
  readonly prompt: string;
}

/**
 * Sends one message to an agent and returns its reply. The prompt recalls the agent's memory
 * (its most recent whole exchanges within `memoryExchanges` and `memoryTokenBudget`) before the
 * message; the reply runs as a one-task journaled run (`chat with <agent>`) through
 * {@link AgentOrchestrator}, on whatever runtime the agent has. Only a successful reply is
 * remembered: the message and the reply are appended to the agent's memory together.
 * @throws EnsembleError `UNKNOWN_AGENT`, `INVALID_INPUT`, or the reply task's own error (`AGENT_EXIT_NONZERO`, `TASK_TIMEOUT`, …).
 */
export async function chat(agentName: string, message: string, options: ChatOptions = {}): Promise<ChatReply> {
  const { registry: givenRegistry, signal, onEvent, logger = stderrLogger, ...serialisable } = options;
  const settings = parseChatInput(chatOptionsSchema, serialisable, 'options');
  parseChatInput(chatMessageSchema, message, 'message');
  signal?.throwIfAborted();
  const storePath = settings.store ?? defaultStorePath();
  const workspaceDir = settings.workspaceDir ?? process.cwd();
  const registry =
    givenRegistry ??
    loadAgentRegistry({
      ...(settings.agentDirs === undefined ? {} : { agentDirs: settings.agentDirs }),
      cwd: workspaceDir,
      onWarning: (warning) => logger.warn(warning),
    });
  if (!registry.has(agentName) && !inProcessAgents().has(agentName)) {
    throw unknownAgentError(agentName, [...registry.list().map((agent) => agent.name), ...inProcessAgents().keys()]);
  }

  const memoryStore = openMemoryStore(storePath);
  try {
    const total = memoryStore.count(agentName);
    const window = memoryStore.list(agentName, { limit: Math.max(1, settings.memoryExchanges * ENTRIES_READ_PER_EXCHANGE) });
    const recalled = selectChatMemory(window.length < total ? dropPartialExchange(window) : window, {
      maxExchanges: settings.memoryExchanges,
      maxTokens: settings.memoryTokenBudget,
    });
    const prompt = composeChatPrompt({ ...recalled, omittedCount: total - recalled.entries.length }, message);

    const orchestrator = new AgentOrchestrator({
      workflowName: `chat with ${agentName}`,
      store: storePath,
      registry,
      workspaceDir,
      maxParallelAgents: 1,
      logger,
      ...(settings.agentDirs === undefined ? {} : { agentDirs: [...settings.agentDirs] }),
      ...(settings.provider === undefined ? {} : { provider: settings.provider }),
      ...(settings.model === undefined ? {} : { model: settings.model }),
      ...(settings.simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs: settings.simulatedLatencyMs }),
    });
    orchestrator.addTasks([
      { id: REPLY_TASK_ID, agentName, description: describeMessage(message), prompt, ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }) },
    ]);
    let runtime = 'unknown';
    let completion: RunEventOf<'task:complete'> | undefined;
    orchestrator.on('agent:invoke', (event) => void (runtime = event.runtime));
    orchestrator.on('task:complete', (event) => void (completion = event));
    if (onEvent !== undefined) orchestrator.on('*', onEvent);
    const onAbort = (): void => orchestrator.cancel('chat cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    let outcome;
    try {
      outcome = await orchestrator.execute();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (outcome.status !== 'succeeded' || completion === undefined) {
      if (signal?.aborted === true) throw signal.reason;
      const failure = outcome.results.find((result) => result.taskId === REPLY_TASK_ID)?.error ?? outcome.error;
      if (failure === undefined) throw new EnsembleError('AGENT_FAILED', `agent "${agentName}" did not reply (run ${outcome.runId} ${outcome.status})`, { details: { agentName, runId: outcome.runId } });
      const error = deserializeError(failure);
      throw new EnsembleError(error.code, error.message, { retryable: error.retryable, details: { ...error.details, agentName, runId: outcome.runId } });
    }

    const reply = completion.output;
    memoryStore.append(agentName, [
      { role: 'user', content: message, runId: outcome.runId },
      { role: 'agent', content: reply, runId: outcome.runId },
    ]);
    return {
      agentName,
      reply,
      runId: outcome.runId,
      runtime,
      simulated: runtime === 'simulated' || completion.evidence?.simulated === true,
      ...(completion.model === undefined ? {} : { model: completion.model }),
      usage: completion.usage,
      costUsd: completion.costUsd,
      durationMs: completion.duration,
      memory: { recalled: recalled.entries.length, omitted: total - recalled.entries.length, recalledTokens: recalled.tokens, total: total + 2 },
      prompt,
    };
  } finally {
    memoryStore.close();
  }
}

/** The task's description: `chat: ` and the message's first line, shortened. */
function describeMessage(message: string): string {
  const firstLine = message.trim().split('\n')[0]!.trim();
  return `chat: ${firstLine.length <= MAX_DESCRIPTION_CHARS ? firstLine : `${firstLine.slice(0, MAX_DESCRIPTION_CHARS - 1)}…`}`;
}

/** A window cut from a longer memory may start inside an exchange: recall from its first message on. */
function dropPartialExchange(entries: readonly MemoryEntry[]): readonly MemoryEntry[] {
  const firstMessage = entries.findIndex((entry) => entry.role === 'user');
  return firstMessage === -1 ? [] : entries.slice(firstMessage);
}

function parseChatInput<Schema extends z.ZodType>(schema: Schema, value: unknown, name: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toInputIssues(parsed.error, name);
  throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
}
