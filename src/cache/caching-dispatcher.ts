import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ZERO_USAGE } from '../core/index.js';
import type { Clock, DispatchContext, InvocationInfo, ResultCacheSettings, TaskDispatcher, TaskOutcome, TaskRequest, TaskSpec } from '../core/index.js';
import type { AgentDefinition, AgentRegistry } from '../agents/index.js';
import { FIX_SELECTOR_AGENT } from '../codebase/index.js';
import type { ResultCacheEntry, ResultCacheStore } from '../store/index.js';
import { computeCacheKey } from './compute-cache-key.js';
import { uncacheableReason } from './is-cacheable.js';
import { readWorkspaceState, type WorkspaceState } from './read-workspace-state.js';

/** Options of {@link wrapWithResultCache}. */
export interface ResultCacheOptions {
  /** Where entries live: the run's journal (`RunStore.resultCache`), shared by every run on it. */
  readonly store: ResultCacheStore;
  /** The run's agents: their definitions are hashed into keys, their tools and runtime decide what is cacheable. */
  readonly registry: AgentRegistry;
  /** The run's `config.cache`; an agent's front matter `cache` overrides it. Undefined: only agents that opt in are cached. */
  readonly settings: ResultCacheSettings | undefined;
  /** The run's `enableCommunication` (part of every key). @default true */
  readonly enableCommunication?: boolean;
  /** The run's data folder (worktrees, patches): left out of the workspace's state, like the journal file, when it lies inside it. */
  readonly dataDir?: string;
  /** Time source of `created_at`/`expires_at`. @default Date.now */
  readonly clock?: Pick<Clock, 'now'>;
  /** Why a task could not be cached (a workspace too large to fingerprint, a store that failed), each distinct message once. */
  readonly onWarning: (message: string) => void;
  /** Files a workspace without git may have and still be fingerprinted. @default 20000 */
  readonly maxWorkspaceFiles?: number;
}

/**
 * Wraps a run's dispatcher with the result cache: a task whose effective cache settings are on
 * (its agent's front matter `cache`, else the run's `config.cache`) and whose agent is cacheable
 * (see `uncacheableReason`) is looked up by its key (see `computeCacheKey`); a live entry is its
 * outcome at once (no tokens, `cachedFrom` naming the source task) without calling `dispatcher`.
 * Otherwise the task runs, and a successful attempt that changed nothing (no message sent, no shared
 * context written, the workspace's state the same after it as before) is stored for `ttl`. A store
 * or state failure never fails a task: it is warned about once and the task runs uncached. Returns
 * `dispatcher` itself when neither the run nor any agent turns the cache on.
 */
export function wrapWithResultCache(dispatcher: TaskDispatcher, options: ResultCacheOptions): TaskDispatcher {
  const anyAgentOptsIn = options.registry.list().some((agent) => typeof agent.cache === 'object');
  if (options.settings === undefined && !anyAgentOptsIn) return dispatcher;
  return new CachingDispatcher(dispatcher, options);
}

/** What a cacheable task's lookup needs. */
interface CachePlan {
  readonly agent: AgentDefinition;
  readonly invocation: InvocationInfo;
  readonly ttlMs: number;
}

/** A key, with what it was computed from that the entry is checked against. */
interface CacheLookup {
  readonly key: string;
  readonly workspace: string;
  readonly state: string;
}

/** What an attempt did through its context besides answering. */
interface AttemptTally {
  tokens: number;
  costUsd: number;
  /** It sent a message or wrote shared context: replaying its output would not repeat that. */
  hasEffects: boolean;
}

/** The {@link TaskDispatcher} of {@link wrapWithResultCache}. */
export class CachingDispatcher implements TaskDispatcher {
  private readonly warned = new Set<string>();
  private readonly now: () => number;
  private readonly excludePaths: readonly string[];

  constructor(
    private readonly inner: TaskDispatcher,
    private readonly options: ResultCacheOptions,
  ) {
    const clock = options.clock;
    this.now = clock === undefined ? () => Date.now() : () => clock.now();
    const journal = options.store.path;
    const journalFiles = journal === ':memory:' ? [] : ['', '-wal', '-shm', '-journal'].map((suffix) => `${realPathOf(journal)}${suffix}`);
    this.excludePaths = [...journalFiles, ...(options.dataDir === undefined ? [] : [realPathOf(options.dataDir)])];
  }

  describe(task: TaskSpec): InvocationInfo {
    return this.inner.describe(task);
  }

  async dispatch(request: TaskRequest, context: DispatchContext): Promise<TaskOutcome> {
    const plan = this.planOf(request, context);
    if (plan === undefined) return this.inner.dispatch(request, context);
    const lookup = await this.lookupOf(request, context, plan);
    if (lookup === undefined) return this.inner.dispatch(request, context);
    const hit = this.find(lookup, plan.agent.name);
    if (hit !== undefined) return hit;
    const tally: AttemptTally = { tokens: 0, costUsd: 0, hasEffects: false };
    const outcome = await this.inner.dispatch(request, observe(context, tally));
    await this.storeUnlessChanged(request, context, plan, lookup, outcome, tally);
    return outcome;
  }

  /** The cache's plan for the task, or undefined when it is not to be cached. */
  private planOf(request: TaskRequest, context: DispatchContext): CachePlan | undefined {
    const { task } = request;
    // A worktree task works in a copy and leaves a patch; the fix selector applies one: both are effects.
    if (task.isolation === 'worktree' || task.agentName === FIX_SELECTOR_AGENT) return undefined;
    // A task under file leases is a ticket's: it is there to change files.
    if (context.leases !== undefined) return undefined;
    // An answer written after a person's guidance is that person's, not the agent's, to reuse.
    if (request.context.some((entry) => entry.relation === 'guidance')) return undefined;
    const agent = this.options.registry.get(task.agentName);
    if (agent === undefined || agent.cache === false) return undefined;
    const settings = agent.cache ?? this.options.settings;
    if (settings === undefined) return undefined;
    let invocation: InvocationInfo;
    try {
      invocation = this.inner.describe(task);
    } catch {
      return undefined;
    }
    // In-process agents (code, not hashed) and process agents are never cached, whatever their file says.
    if (invocation.runtime !== 'llm' && invocation.runtime !== 'simulated') return undefined;
    if (uncacheableReason(agent, request.permissions) !== undefined) return undefined;
    return { agent, invocation, ttlMs: settings.ttl };
  }

  private async lookupOf(request: TaskRequest, context: DispatchContext, plan: CachePlan): Promise<CacheLookup | undefined> {
    let workspace: string;
    try {
      workspace = realpathSync(context.workspace);
    } catch (error) {
      this.warn(`result cache: workspace ${context.workspace} cannot be resolved (${describeError(error)}); its tasks are not cached`);
      return undefined;
    }
    const state = await this.stateOf(workspace, context.signal);
    if (state === undefined) return undefined;
    const key = computeCacheKey({
      agent: plan.agent,
      runtime: plan.invocation.runtime,
      model: plan.invocation.model,
      task: request.task,
      inputs: request.inputs,
      context: request.context,
      permissions: request.permissions,
      communication: this.options.enableCommunication ?? true,
      workspace,
      workspaceState: state,
    });
    return { key, workspace, state };
  }

  /** `git:<tree>` or `files:<sha256>`, or undefined (warned) when the workspace's state cannot be known. */
  private async stateOf(workspace: string, signal: AbortSignal): Promise<string | undefined> {
    const state: WorkspaceState = await readWorkspaceState(workspace, {
      signal,
      excludePaths: this.excludePaths,
      ...(this.options.maxWorkspaceFiles === undefined ? {} : { maxFiles: this.options.maxWorkspaceFiles }),
    });
    if (state.ok) return `${state.kind}:${state.id}`;
    this.warn(`result cache: tasks in ${workspace} are not cached: ${state.reason}`);
    return undefined;
  }

  /** The outcome of a live entry (counted as a hit), or undefined. */
  private find(lookup: CacheLookup, agentName: string): TaskOutcome | undefined {
    const now = this.now();
    let entry: ResultCacheEntry | undefined;
    try {
      entry = this.options.store.lookup(lookup.key, lookup.workspace, now);
    } catch (error) {
      this.warn(`result cache: could not read ${this.options.store.path} (${describeError(error)}); tasks run uncached`);
      return undefined;
    }
    if (entry === undefined || entry.agentName !== agentName) return undefined;
    try {
      this.options.store.recordHit(lookup.key, now);
    } catch (error) {
      this.warn(`result cache: could not count a hit in ${this.options.store.path} (${describeError(error)})`);
    }
    return {
      output: entry.output,
      usage: ZERO_USAGE,
      costUsd: 0,
      model: entry.model,
      cachedFrom: { runId: entry.runId, taskId: entry.taskId, completedAt: entry.createdAt, tokensSaved: entry.tokensUsed },
    };
  }

  private async storeUnlessChanged(request: TaskRequest, context: DispatchContext, plan: CachePlan, lookup: CacheLookup, outcome: TaskOutcome, tally: AttemptTally): Promise<void> {
    if (tally.hasEffects || context.signal.aborted || outcome.cachedFrom !== undefined) return;
    try {
      // A workspace that changed while the task ran (another task of the run wrote to it) may have shown
      // the task something between the two states: its answer belongs to neither.
      const after = await this.stateOf(lookup.workspace, context.signal);
      if (after !== lookup.state) return;
      this.options.store.put(
        {
          key: lookup.key,
          agentName: plan.agent.name,
          model: outcome.model ?? plan.invocation.model,
          workspace: lookup.workspace,
          runId: request.runId,
          taskId: request.task.id,
          output: outcome.output,
          tokensUsed: tally.tokens + (outcome.usage?.totalTokens ?? 0),
          costUsd: tally.costUsd + (outcome.costUsd ?? 0),
          ttlMs: plan.ttlMs,
        },
        this.now(),
      );
    } catch (error) {
      // The task succeeded: an entry that could not be stored only costs a later run its reuse.
      if (!context.signal.aborted) this.warn(`result cache: could not store the output of ${request.task.id} in ${this.options.store.path} (${describeError(error)})`);
    }
  }

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.onWarning(message);
  }
}

/** The attempt's context, counting its spend and noticing its effects on the run as they pass through. */
function observe(context: DispatchContext, tally: AttemptTally): DispatchContext {
  return {
    ...context,
    reportUsage: (usage, costUsd) => {
      tally.tokens += usage.totalTokens;
      tally.costUsd += costUsd;
      context.reportUsage(usage, costUsd);
    },
    sendMessage: (message) => {
      tally.hasEffects = true;
      return context.sendMessage(message);
    },
    updateShared: (key, value) => {
      tally.hasEffects = true;
      return context.updateShared(key, value);
    },
  };
}

/** The real path of `path`, or of its nearest existing parent joined with the rest (a journal not created yet). */
function realPathOf(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : resolve(realPathOf(parent), absolute.slice(parent.length + 1));
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
