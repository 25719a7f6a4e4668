import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyRunEvent, createRunState, type PressureReason, type RunState, type TaskState, type TokenUsage } from '../core/index.js';
import { isOwnerAlive } from '../host/index.js';
import type { RunRecord, RunStore } from '../store/index.js';
import { readProcessTable } from '../agents/index.js';
import { AgentUsageMeter, type AgentProcessGroupRef, type AgentUsage } from './agent-usage.js';
import { createHostSampler, type HostSampler } from './host-sampler.js';

/** The host the snapshot was taken on. */
export interface MonitorHost {
  /** `os.hostname()`: the name `agent:process` events and run owners carry. */
  readonly name: string;
  /** CPU utilisation of all cores together since the previous reading, 0-100. */
  readonly cpuPercent: number;
  /** The 1-minute load average. */
  readonly loadAverage: number;
  readonly cpuCount: number;
  /** MemAvailable, in MB (MiB). */
  readonly memoryAvailableMb: number;
  readonly memoryTotalMb: number;
}

/** A running run of the journal and the process-agent limit it runs under. */
export interface MonitorRun {
  readonly runId: string;
  readonly workflowName: string;
  /** The run's concurrency (`maxParallelAgents`). */
  readonly maxParallelAgents: number;
  /** Process agents that may run at once now: the latest `resources:pressure` limit, else `maxParallelAgents`. */
  readonly processAgentLimit: number;
  /** Why the limit last changed; null when host pressure never changed it ("no pressure change"). */
  readonly limitReason: PressureReason | null;
  /** Epoch ms of that change; null when none. */
  readonly limitChangedAt: number | null;
  /** Host of the process that executes the run. */
  readonly ownerHost: string;
  /** Whether that process still runs it (false: crashed, its agents are orphans until `resume` or `cleanup`). */
  readonly ownerAlive: boolean;
  /** Agents of the run in {@link MonitorSnapshot.agents}. */
  readonly agentCount: number;
}

/** The tool call an agent is in. */
export interface MonitorToolCall {
  /** `Read`, `Bash`, `mcp__github__create_issue`, … */
  readonly tool: string;
  /** The short input summary (`src/app.ts:1-200`, `npm test`). */
  readonly input: string;
  /** Epoch ms it started. */
  readonly startedAt: number;
}

/** One agent running on this host. Null stands for a figure that is not known. */
export interface MonitorAgent {
  readonly runId: string;
  readonly workflowName: string;
  readonly taskId: string;
  readonly agentName: string;
  /** The attempt its processes belong to (1 for the first; counts across resumes). */
  readonly attempt: number;
  /** Leader of its oldest live process group; null for an agent without processes (an `llm` or in-process agent between tool calls). */
  readonly pid: number | null;
  /** Its processes alive now (0 without a pid). */
  readonly processCount: number;
  /** CPU use since the previous reading, in % of one core (200 = two cores); null without a pid or on a first reading. */
  readonly cpuPercent: number | null;
  /** CPU seconds its process tree used so far (a counter); null without a pid. */
  readonly cpuSeconds: number | null;
  /** Resident memory of its processes, in bytes; null without a pid. */
  readonly rssBytes: number | null;
  /** Epoch ms its attempt (else its oldest live process) started. */
  readonly startedAt: number;
  readonly elapsedMs: number;
  /** The tool call it is in (the latest started and not ended of its running attempt); null when none. */
  readonly currentTool: MonitorToolCall | null;
  /** Tokens its task spent so far, over every attempt the journal has ended (a running attempt's spend is journaled when it ends). */
  readonly tokens: TokenUsage;
}

/**
 * What `ensemble monitor --json` prints: every agent running on this host across the journal's
 * running runs, the host's CPU and memory, and each run's process-agent limit. Field names are stable.
 */
export interface MonitorSnapshot {
  /** Epoch ms of the reading. */
  readonly takenAt: number;
  readonly host: MonitorHost;
  /** Running runs of the journal, newest first. */
  readonly runs: readonly MonitorRun[];
  /** Agents running on this host, by run (newest first), then in task order. */
  readonly agents: readonly MonitorAgent[];
}

/** Options of {@link MonitorCollector}. */
export interface MonitorCollectorOptions {
  /** The host whose agents are read. @default os.hostname() */
  readonly hostName?: string;
  /** @default createHostSampler() */
  readonly hostSampler?: HostSampler;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * How long one `collect` may spend catching up on journal events, in ms: once it is spent, each run
   * still behind reads one more page of events and catches up at the next `collect`. @default unbounded
   */
  readonly readBudgetMs?: number;
}

/** Options of {@link collectMonitorSnapshot}. */
export interface CollectMonitorSnapshotOptions extends MonitorCollectorOptions {
  /** Time between the two readings the CPU rates are taken over, in ms. @default 500 */
  readonly sampleWindowMs?: number;
  readonly signal?: AbortSignal;
}

/** A running run as the collector follows it: its state folded so far and its limit. */
interface FollowedRun {
  readonly state: RunState;
  pressure?: { readonly limit: number; readonly reason: PressureReason; readonly at: number };
  /** Whether its tasks may run on workers of other hosts (`--redis`): then only its journaled processes are known to be here. */
  readonly isDistributed: boolean;
}

/** The most running runs read at once; far above what one journal runs together. */
const MAX_RUNNING_RUNS = 10_000;
/** Events read per query while catching up, so a long journal is read in steps the budget can stop between. */
const EVENT_PAGE_SIZE = 5_000;
const DEFAULT_SAMPLE_WINDOW_MS = 500;

/**
 * Follows the journal's running runs from one `collect` to the next: each reads only the events
 * journaled since the previous one (finished runs are never read) and takes CPU rates over the time
 * between the two readings. The live monitor keeps one between frames, `/metrics` one between scrapes.
 */
export class MonitorCollector {
  private readonly store: RunStore;
  private readonly hostName: string;
  private readonly hostSampler: HostSampler;
  private readonly now: () => number;
  private readonly readBudgetMs: number;
  private readonly meter = new AgentUsageMeter();
  private readonly followed = new Map<string, FollowedRun>();

  constructor(store: RunStore, options: MonitorCollectorOptions = {}) {
    this.store = store;
    this.hostName = options.hostName ?? hostname();
    this.hostSampler = options.hostSampler ?? createHostSampler();
    this.now = options.now ?? Date.now;
    this.readBudgetMs = options.readBudgetMs ?? Number.POSITIVE_INFINITY;
  }

  /** Reads the journal's new events, the host and every agent's processes now. */
  collect(): MonitorSnapshot {
    const startedAt = performance.now();
    const records = this.store.listRuns({ status: 'running', limit: MAX_RUNNING_RUNS });
    const running = new Set(records.map((record) => record.runId));
    for (const runId of this.followed.keys()) if (!running.has(runId)) this.followed.delete(runId);
    for (const record of records) this.catchUp(record, () => performance.now() - startedAt > this.readBudgetMs);

    const sample = this.hostSampler.sample();
    const takenAt = this.now();
    const table = readProcessTable();
    const ownersAlive = new Map(records.map((record) => [record.runId, isRunOwnerAlive(record)]));
    const candidates: Candidate[] = [];
    for (const record of records) {
      const followed = this.followed.get(record.runId);
      if (followed !== undefined) candidates.push(...this.candidatesOf(record, followed, ownersAlive.get(record.runId) === true));
    }
    const groups = candidates.flatMap((candidate) => candidate.groups);
    const usages = this.meter.measure(groups, takenAt, table);
    const agents: MonitorAgent[] = [];
    let offset = 0;
    for (const candidate of candidates) {
      const agent = toAgent(candidate, usages.slice(offset, offset + candidate.groups.length), takenAt);
      offset += candidate.groups.length;
      if (agent !== undefined) agents.push(agent);
    }
    const runs = records.flatMap((record): MonitorRun[] => {
      const followed = this.followed.get(record.runId);
      return followed === undefined ? [] : [toRun(record, followed, ownersAlive.get(record.runId) === true, agents)];
    });
    return {
      takenAt,
      host: {
        name: this.hostName,
        cpuPercent: sample.cpuPercent,
        loadAverage: sample.loadAverage,
        cpuCount: sample.cpuCount,
        memoryAvailableMb: sample.memoryAvailableMb,
        memoryTotalMb: sample.memoryTotalMb,
      },
      runs,
      agents,
    };
  }

  /** Folds the run's events journaled since the last read, in pages, until it is current or the budget is spent. */
  private catchUp(record: RunRecord, isBudgetSpent: () => boolean): void {
    let followed = this.followed.get(record.runId);
    if (followed === undefined) {
      // A spec that no longer parses leaves the run local: its journaled processes still show.
      let isDistributed = false;
      try {
        isDistributed = record.spec.settings?.redis !== undefined;
      } catch {
        isDistributed = false;
      }
      followed = { state: createRunState(), isDistributed };
      this.followed.set(record.runId, followed);
    }
    // One page at least, whatever the budget, so every collect makes progress.
    for (let isFirstPage = true; followed.state.lastSeq < record.lastSeq && (isFirstPage || !isBudgetSpent()); isFirstPage = false) {
      const events = this.store.readEvents(record.runId, { afterSeq: followed.state.lastSeq, limit: EVENT_PAGE_SIZE });
      for (const event of events) {
        applyRunEvent(followed.state, event);
        if (event.type === 'resources:pressure') followed.pressure = { limit: event.limit, reason: event.reason, at: event.at };
      }
      if (events.length < EVENT_PAGE_SIZE) break;
    }
  }

  /** The run's tasks that may have an agent running on this host, with the process groups to read for each. */
  private candidatesOf(record: RunRecord, followed: FollowedRun, ownerAlive: boolean): Candidate[] {
    // An agent without processes runs inside the run's own process: here only when that process is, and alive.
    const runsAgentsHere = ownerAlive && record.owner.host === this.hostName && !followed.isDistributed;
    const candidates: Candidate[] = [];
    for (const task of followed.state.tasks.values()) {
      const groups = task.processes.filter((group) => group.host === this.hostName);
      const mayRunHere = runsAgentsHere && task.status === 'running';
      if (groups.length === 0 && !mayRunHere) continue;
      candidates.push({ runId: record.runId, workflowName: record.workflowName, task, mayRunHere, groups: [...groups].sort((a, b) => a.startedAt - b.startedAt) });
    }
    return candidates;
  }
}

/** A task that may have an agent here, and its journaled live process groups on this host (oldest first). */
interface Candidate {
  readonly runId: string;
  readonly workflowName: string;
  readonly task: TaskState;
  /** Whether the task runs in the run's live process on this host, so it is shown without any process group journaled. */
  readonly mayRunHere: boolean;
  readonly groups: readonly (AgentProcessGroupRef & { readonly attempt: number; readonly startedAt: number })[];
}

/**
 * One snapshot as `ensemble monitor --json` prints it: two readings `sampleWindowMs` apart (the CPU
 * rates, of the host and of each agent, are taken between them).
 */
export async function collectMonitorSnapshot(store: RunStore, options: CollectMonitorSnapshotOptions = {}): Promise<MonitorSnapshot> {
  const collector = new MonitorCollector(store, options);
  collector.collect();
  await sleep(options.sampleWindowMs ?? DEFAULT_SAMPLE_WINDOW_MS, undefined, options.signal === undefined ? {} : { signal: options.signal });
  return collector.collect();
}

/** The agent of a candidate, from its groups' usage; undefined when its journaled processes are all gone, or it had none and does not run in a live process here. */
function toAgent(candidate: Candidate, usages: readonly (AgentUsage | undefined)[], takenAt: number): MonitorAgent | undefined {
  const { task } = candidate;
  const alive = candidate.groups.flatMap((group, index) => {
    const usage = usages[index];
    return usage === undefined ? [] : [{ group, usage }];
  });
  // Journaled processes all gone means the agent is, whatever the journal has yet to say.
  if (alive.length === 0 && (candidate.groups.length > 0 || !candidate.mayRunHere)) return undefined;
  const oldest = alive[0]?.group;
  // A running attempt's start stands for the agent's; a group left by an earlier attempt (a crash) has its own start.
  const isCurrent = task.status === 'running' && (oldest === undefined || oldest.attempt === task.attempts);
  const startedAt = isCurrent && task.startedAt !== undefined ? task.startedAt : (oldest?.startedAt ?? task.startedAt ?? takenAt);
  const sum = (pick: (usage: AgentUsage) => number | undefined): number | null => {
    if (alive.length === 0) return null;
    let total = 0;
    for (const { usage } of alive) {
      const value = pick(usage);
      if (value === undefined) return null;
      total += value;
    }
    return Math.round(total * 1000) / 1000;
  };
  const tool = isCurrent ? task.activeToolCalls.at(-1) : undefined;
  return {
    runId: candidate.runId,
    workflowName: candidate.workflowName,
    taskId: task.taskId,
    agentName: task.agentName,
    attempt: oldest?.attempt ?? task.attempts,
    pid: oldest?.pid ?? null,
    processCount: alive.reduce((count, { usage }) => count + usage.processCount, 0),
    cpuPercent: sum((usage) => usage.cpuPercent),
    cpuSeconds: sum((usage) => usage.cpuSeconds),
    rssBytes: sum((usage) => usage.rssBytes),
    startedAt,
    elapsedMs: Math.max(0, takenAt - startedAt),
    currentTool: tool === undefined ? null : { tool: tool.tool, input: tool.input, startedAt: tool.startedAt },
    tokens: { inputTokens: task.usage.inputTokens, outputTokens: task.usage.outputTokens, totalTokens: task.usage.totalTokens },
  };
}

function toRun(record: RunRecord, followed: FollowedRun, ownerAlive: boolean, agents: readonly MonitorAgent[]): MonitorRun {
  const { state, pressure } = followed;
  return {
    runId: record.runId,
    workflowName: record.workflowName,
    maxParallelAgents: state.maxParallelAgents,
    processAgentLimit: pressure?.limit ?? state.maxParallelAgents,
    limitReason: pressure?.reason ?? null,
    limitChangedAt: pressure?.at ?? null,
    ownerHost: record.owner.host,
    ownerAlive,
    agentCount: agents.filter((agent) => agent.runId === record.runId).length,
  };
}

/** Whether the process that executes the run still does (its heartbeat is fresh and, on this host, its pid is the same process). */
function isRunOwnerAlive(record: RunRecord): boolean {
  return isOwnerAlive({
    ...record.owner,
    ...(record.heartbeatAt === undefined ? {} : { heartbeatAt: record.heartbeatAt }),
    ...(record.staleAfterMs === undefined ? {} : { staleAfterMs: record.staleAfterMs }),
  });
}
