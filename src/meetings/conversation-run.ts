import type { Logger, RunEvent } from '../core/index.js';
import { stderrLogger } from '../host/index.js';
import { inProcessAgents, loadAgentRegistry, type AgentRegistry } from '../agents/index.js';
import { AgentOrchestrator, type OrchestratorConfig } from '../orchestrator/index.js';
import { defaultStorePath, openRunStore, type RunStore } from '../store/index.js';
import { unknownAgentError } from './unknown-agent-error.js';

/** Where a consultation or a meeting runs, and how it reports; shared by `consult`, `conductMeeting` and `continueMeeting`. */
export interface ConversationOptions {
  /** The run journal: a path or an open store. @default $ENSEMBLE_HOME/ensemble.db, else ./.ensemble/ensemble.db */
  readonly store?: string | RunStore;
  /** Extra folders of agent definitions, searched first. */
  readonly agentDirs?: readonly string[];
  /** Working directory of `command` and `cli` agents, and where ./agents is read. @default process.cwd() */
  readonly workspaceDir?: string;
  /** A preloaded agent registry. @default loaded from agentDirs, ./agents, ./.claude/agents, ~/.claude/agents and the catalogue */
  readonly registry?: AgentRegistry;
  /** Simulated runtime latency, in ms. @default ENSEMBLE_SIMULATED_LATENCY_MS, else 300-1200 ms */
  readonly simulatedLatencyMs?: number;
  /**
   * Further settings of the run (permissions, budget, retry, the loaded ensemble config, a clock,
   * …); the conversation sets its own name, id, parameters, store and registry over them.
   * @default contextStrategy `isolated` (what an agent hears is in its prompt), maxParallelAgents = the agents who speak at once
   */
  readonly config?: OrchestratorConfig;
  /** Cancels the run (it ends `cancelled`; a meeting can then be resumed). */
  readonly signal?: AbortSignal;
  /** Receives every event of the run. */
  readonly onEvent?: (event: RunEvent) => void;
  /** Where warnings go. @default `ensemble: …` lines on stderr */
  readonly logger?: Logger;
}

/** The request fields every conversation passes on to its run. */
export interface ConversationSettings {
  readonly provider?: string | undefined;
  readonly model?: string | undefined;
  readonly maxParallelAgents?: number | undefined;
}

/** The registry a conversation checks its agents against (the given one, or loaded as the orchestrator would). */
export function conversationRegistry(options: ConversationOptions): AgentRegistry {
  const logger = options.logger ?? stderrLogger;
  return (
    options.registry ??
    loadAgentRegistry({
      ...(options.agentDirs === undefined ? {} : { agentDirs: options.agentDirs }),
      cwd: options.workspaceDir ?? options.config?.workspaceDir ?? process.cwd(),
      onWarning: (warning) => logger.warn(warning),
    })
  );
}

/**
 * Rejects, before anything runs, an agent that is neither defined nor registered in this process:
 * a meeting learns of its later speakers only when it adds their tasks, too late to fail cleanly.
 * @throws EnsembleError `UNKNOWN_AGENT` naming the first unknown one, with a "did you mean".
 */
export function requireKnownAgents(registry: AgentRegistry, agentNames: readonly string[]): void {
  const local = inProcessAgents();
  for (const agentName of agentNames) {
    if (!registry.has(agentName) && !local.has(agentName)) throw unknownAgentError(agentName, [...registry.list().map((agent) => agent.name), ...local.keys()]);
  }
}

/** What every conversation's orchestrator takes from its options: the journal, the agents, the logger, where it works. */
export function conversationWiring(options: ConversationOptions, registry: AgentRegistry) {
  return {
    store: options.store ?? options.config?.store ?? defaultStorePath(),
    registry,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.agentDirs === undefined ? {} : { agentDirs: [...options.agentDirs] }),
    ...(options.workspaceDir === undefined ? {} : { workspaceDir: options.workspaceDir }),
    ...(options.simulatedLatencyMs === undefined ? {} : { simulatedLatencyMs: options.simulatedLatencyMs }),
  };
}

/**
 * An orchestrator for one conversation run, journaled under `workflowId` with `parameters` kept
 * for a resume. Unless told otherwise, everyone who speaks at once runs at once, and the context
 * is `isolated`: what an agent hears is in its prompt, not leaked from other answers.
 */
export function createConversationOrchestrator(
  options: ConversationOptions,
  registry: AgentRegistry,
  run: {
    readonly workflowName: string;
    readonly workflowId: string;
    readonly parameters: Readonly<Record<string, unknown>>;
    readonly settings: ConversationSettings;
    /** Agents that speak at once: a round or a consultation runs them all together unless a limit is given. */
    readonly parallelSpeakers: number;
  },
): AgentOrchestrator {
  const { settings } = run;
  const orchestrator = new AgentOrchestrator({
    contextStrategy: 'isolated',
    maxParallelAgents: Math.max(1, run.parallelSpeakers),
    ...options.config,
    workflowName: run.workflowName,
    workflowId: run.workflowId,
    parameters: { ...run.parameters },
    ...conversationWiring(options, registry),
    ...(settings.provider === undefined ? {} : { provider: settings.provider }),
    ...(settings.model === undefined ? {} : { model: settings.model }),
    ...(settings.maxParallelAgents === undefined ? {} : { maxParallelAgents: settings.maxParallelAgents }),
  });
  if (options.onEvent !== undefined) orchestrator.on('*', options.onEvent);
  return orchestrator;
}

/** Runs `body` with the journal as an open store: the given one, or the path's, opened and closed around it. */
export function withRunStore<T>(store: string | RunStore | undefined, body: (store: RunStore) => T): T {
  if (typeof store === 'object') return body(store);
  const opened = openRunStore(store ?? defaultStorePath());
  try {
    return body(opened);
  } finally {
    opened.close();
  }
}
