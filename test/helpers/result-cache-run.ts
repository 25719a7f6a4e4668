import { loadAgentRegistry, type AgentRegistry } from '../../src/agents/index.js';
import { wrapWithResultCache } from '../../src/cache/index.js';
import type { EnsembleConfig } from '../../src/config/index.js';
import type { PermissionCeiling, ResultCacheSettings, RunEvent, RunOutcome, TaskDispatcher, TaskInput } from '../../src/core/index.js';
import { AgentOrchestrator } from '../../src/orchestrator/index.js';
import type { RunStore } from '../../src/store/index.js';

/** What one run of {@link runCachedWorkflow} needs. */
export interface CachedRunOptions {
  readonly store: RunStore;
  readonly workspace: string;
  /** Folder of the test's agent files (outside the workspace, so editing one does not change the workspace). */
  readonly agentsDir: string;
  /** A home folder without agents (the developer's ~/.claude/agents must not leak in). */
  readonly homeDir: string;
  readonly tasks: readonly TaskInput[];
  /** The run's `config.cache`. */
  readonly cache: ResultCacheSettings | undefined;
  readonly permissions?: PermissionCeiling;
  readonly ensembleConfig?: EnsembleConfig;
  /** The cache's clock (expiry); @default Date.now */
  readonly nowMs?: () => number;
  readonly maxParallelAgents?: number;
}

/** A finished run, its events, and what the cache warned about. */
export interface CachedRun {
  readonly outcome: RunOutcome;
  readonly events: readonly RunEvent[];
  readonly warnings: readonly string[];
}

/**
 * Runs `tasks` through the library with the run's `cache` setting (issue 13), with simulated
 * answers at once; with `nowMs`, the cache's clock is the test's.
 */
export async function runCachedWorkflow(options: CachedRunOptions): Promise<CachedRun> {
  const warnings: string[] = [];
  const registry: AgentRegistry = loadAgentRegistry({ agentDirs: [options.agentsDir], cwd: options.workspace, homeDir: options.homeDir });
  const orchestrator = new AgentOrchestrator({
    store: options.store,
    workspaceDir: options.workspace,
    registry,
    simulatedLatencyMs: 0,
    maxParallelAgents: options.maxParallelAgents ?? 3,
    permissions: options.permissions ?? 'edit',
    // No provider: llm agents run simulated, whatever the developer's environment holds.
    ensembleConfig: options.ensembleConfig ?? { providers: {}, tiers: {}, costs: {} },
    onWarning: (message) => warnings.push(message),
    // The run's own wiring serves the cache; a test that moves the cache's clock wraps the dispatcher itself instead.
    ...(options.nowMs === undefined
      ? options.cache === undefined
        ? {}
        : { cache: options.cache }
      : {
          wrapDispatcher: (inner: TaskDispatcher) =>
            wrapWithResultCache(inner, { store: options.store.resultCache, registry, settings: options.cache, onWarning: (message) => warnings.push(message), clock: { now: options.nowMs! } }),
        }),
  });
  orchestrator.addTasks([...options.tasks]);
  const events: RunEvent[] = [];
  orchestrator.on('*', (event) => events.push(event));
  const outcome = await orchestrator.execute();
  return { outcome, events, warnings };
}

/** The `task:complete` events of a run, by task id. */
export function completions(run: CachedRun): Map<string, Extract<RunEvent, { type: 'task:complete' }>> {
  const found = new Map<string, Extract<RunEvent, { type: 'task:complete' }>>();
  for (const event of run.events) if (event.type === 'task:complete') found.set(event.taskId, event);
  return found;
}
