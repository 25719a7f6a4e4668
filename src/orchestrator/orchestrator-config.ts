import { EnsembleError, toInputIssues, type AdmissionCheck, type TaskDispatcher, type TerminalPolicy, type Clock, type InputIssue, type Logger, type MessageBus, type RunEventOf, type RunEventType } from '../core/index.js';
import type { AgentRegistry, AgentWindowLauncher } from '../agents/index.js';
import type { ProviderGovernor } from '../providers/index.js';
import { providerPolicyInputSchema, type EnsembleConfig, type ProviderPolicyInput } from '../config/index.js';
import type { RunStore } from '../store/index.js';
import { orchestratorOptionsSchema, type OrchestratorOptions, type ParsedOrchestratorOptions } from './schema.js';

/** Library configuration: the HTTP body's `config` plus where agents and data live. */
export interface OrchestratorConfig extends OrchestratorOptions {
  /** Path of the SQLite journal, an open store, or `false` for no journal (no resume). @default $ENSEMBLE_HOME/ensemble.db */
  readonly store?: string | false | RunStore;
  /** A preloaded agent registry; by default agents are loaded from `agentDirs`, ./agents, ./.claude/agents, ~/.claude/agents and the catalogue. */
  readonly registry?: AgentRegistry;
  /** Time source, for tests. @default the system clock */
  readonly clock?: Clock;
  /** Where warnings and listener failures go. @default `ensemble: …` lines on stderr */
  readonly logger?: Logger;
  /** Called when an event listener throws; the run goes on. @default `logger.error` */
  readonly onListenerError?: (error: unknown, event: RunEventOf<RunEventType>) => void;
  /**
   * Model providers, tiers, prices and budget, already loaded (tests, embedding applications).
   * @default loaded once from `workspaceDir`'s ensemble.config.yaml and process.env
   */
  readonly ensembleConfig?: EnsembleConfig;
  /** Receives warnings (unknown model prices, missing usage figures, overridden agent files); a shortcut for `logger.warn`. @default `logger.warn` */
  readonly onWarning?: (message: string) => void;
  /** The edge every model call passes through (rate limits, circuit breaker, concurrency). @default the process-wide one for the provider policy */
  readonly governor?: ProviderGovernor;
  /**
   * How model calls are governed (circuit wait, stream idle timeout, llm task timeout and retry, …),
   * over the config file's `providerPolicy` field by field. @default ensemble.config.yaml's, else the built-in defaults
   */
  readonly providerPolicy?: ProviderPolicyInput;
  /**
   * The bus the run's agent messages are published on (running process agents and in-process
   * agents hear them through it). @default a new in-memory bus per orchestrator
   */
  readonly bus?: MessageBus;
  /** Asked before each ready task starts (file leases, a free team member: a ticket run). @default every task admitted */
  readonly admission?: AdmissionCheck;
  /** Decides retry, failure or escalation of a failed attempt. @default retry per the task's policy; wait for a person on what an agent escalated */
  readonly terminalPolicy?: TerminalPolicy;
  /** Wraps the run's dispatcher (a ticket run prepares each ticket's workspace and commits its change around the agent). */
  readonly wrapDispatcher?: (dispatcher: TaskDispatcher) => TaskDispatcher;
  /** Runs `cli` agents in windows a person can watch (a ticket run's tmux team, `--tmux`). @default hidden child processes */
  readonly processWindows?: AgentWindowLauncher;
  /** The new run's id (a ticket run claims its tickets under it before it starts). @default a fresh one */
  readonly runId?: string;
}

/** The serialisable part of an {@link OrchestratorConfig}, validated. */
export interface ParsedOrchestratorConfig {
  readonly options: ParsedOrchestratorOptions;
  /** The library's `providerPolicy`, validated; undefined when it gave none. */
  readonly policyOption: ProviderPolicyInput | undefined;
}

/** Validates the provider policy, then the options; an invalid one is INVALID_INPUT listing each issue with its path (`config.maxParallelAgents`). */
export function parseOrchestratorConfig(config: OrchestratorConfig): ParsedOrchestratorConfig {
  const {
    store: _store,
    registry: _registry,
    clock: _clock,
    onListenerError: _onListenerError,
    logger: _logger,
    ensembleConfig: _ensembleConfig,
    onWarning: _onWarning,
    governor: _governor,
    bus: _bus,
    admission: _admission,
    terminalPolicy: _terminalPolicy,
    wrapDispatcher: _wrapDispatcher,
    processWindows: _processWindows,
    runId: _runId,
    providerPolicy,
    ...serialisable
  } = config;
  const policy = providerPolicyInputSchema.safeParse(providerPolicy ?? {});
  if (!policy.success) throw invalidInput(toInputIssues(policy.error, 'config.providerPolicy'));
  const parsed = orchestratorOptionsSchema.safeParse(serialisable);
  if (!parsed.success) throw invalidInput(toInputIssues(parsed.error, 'config'));
  return { options: parsed.data, policyOption: providerPolicy === undefined ? undefined : policy.data };
}

function invalidInput(issues: readonly InputIssue[]): EnsembleError {
  return new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
}
