import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { z } from 'zod';
import { openRunStore } from '../src/index.js';
import { checkLoadResults, type JournalEvent, type ListedRun } from './server-load-checks.js';
import { recordRunStream, type FollowerRecord } from './server-load-follower.js';
import { summarizeLatency, type LatencySummary } from './server-load-latency.js';
import { startServerProcess, type ProcessMemory, type ServerProcess } from './server-load-server.js';
import { createLayeredTasks } from './server-load-workload.js';

export interface LoadRoundOptions {
  readonly runCount: number;
  readonly followersPerRun: number;
  /** Each simulated task's wait, in ms (0: no-op tasks). */
  readonly simulatedLatencyMs: number;
  /** Ends everything the round waits on: the bench's overall deadline. */
  readonly signal: AbortSignal;
  /** Told what the round is doing, so a deadline names the phase it stopped in. */
  readonly onPhase: (phase: string) => void;
}

export interface LoadRoundResult {
  readonly runCount: number;
  readonly followerCount: number;
  readonly eventsPerRun: number;
  readonly latency: LatencySummary;
  /** The server after start-up, before any request. */
  readonly idleMemory: ProcessMemory;
  /** The server once every follower has finished: VmRSS now, VmHWM the peak of its life. */
  readonly endMemory: ProcessMemory;
  /** From the first execute request to the last follower's end, in ms. */
  readonly wallMs: number;
  /** From the first execute request to the last run id known, in ms. */
  readonly startSpreadMs: number;
  /** CPU the server used during the load (user + system), in ms. */
  readonly serverCpuMs: number;
  /** CPU this client process used during the load, in ms. */
  readonly clientCpuMs: number;
  /** The client's event-loop delay during the load (its share of every latency), p99 and max, in ms. */
  readonly clientLoopDelayP99Ms: number;
  readonly clientLoopDelayMaxMs: number;
  /** The machine's 1-minute load average as the round started: other processes compete for the same cores. */
  readonly loadAverageAtStart: number;
  /** Everything the checks found wrong (empty: correct). */
  readonly problems: readonly string[];
}

const executeAnswerSchema = z.looseObject({ runId: z.string().min(1), taskCount: z.int() });
const runListSchema = z.looseObject({
  runs: z.array(z.looseObject({ runId: z.string(), status: z.string(), totalTasks: z.int(), successfulTasks: z.int() })),
});

/** How long a graceful shutdown may take, in ms (the server's own grace is 10 s). */
const STOP_TIMEOUT_MS = 15_000;

/**
 * One round on a fresh server and journal: `runCount` executions started at once with
 * `Accept: application/json` (so there are no execute streams; the followers are the only event
 * streams), each followed by `followersPerRun` streams opened as soon as its run id is known.
 */
export async function runLoadRound(options: LoadRoundOptions): Promise<LoadRoundResult> {
  const { signal, onPhase } = options;
  const root = mkdtempSync(join(tmpdir(), 'ensemble-bench-server-'));
  const workspaceDir = join(root, 'workspace');
  mkdirSync(workspaceDir);
  const dbPath = join(root, 'journal.db');
  let server: ServerProcess | undefined;
  try {
    onPhase('starting the server');
    server = await startServerProcess({ dbPath, cwd: workspaceDir, signal, simulatedLatencyMs: options.simulatedLatencyMs });
    const { url } = server;
    const idleMemory = server.readMemory();

    onPhase(`executing ${options.runCount} runs and following each ${options.followersPerRun} times`);
    const loadAverageAtStart = loadavg()[0] ?? Number.NaN;
    const serverCpuAtStartMs = server.readCpuMs();
    const clientCpuAtStart = process.cpuUsage();
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const startedAt = performance.now();
    const startedRunIds: string[] = [];
    let lastRunKnownAt = startedAt;
    const followersByRun = await Promise.all(
      Array.from({ length: options.runCount }, async (_, runIndex) => {
        const runId = await executeRun(url, runIndex, signal);
        startedRunIds.push(runId);
        lastRunKnownAt = performance.now();
        return Promise.all(Array.from({ length: options.followersPerRun }, () => recordRunStream(url, runId, signal)));
      }),
    );
    const wallMs = performance.now() - startedAt;
    loopDelay.disable();
    const clientCpu = process.cpuUsage(clientCpuAtStart);
    const serverCpuMs = server.readCpuMs() - serverCpuAtStartMs;
    const followers: FollowerRecord[] = followersByRun.flat();
    const endMemory = server.readMemory();

    onPhase('listing the runs');
    const listedRuns = await listRuns(url, signal);
    onPhase('stopping the server');
    const exitCode = await server.stop(STOP_TIMEOUT_MS);
    server = undefined;

    onPhase('reading the journal');
    const journal = readJournal(dbPath, startedRunIds);
    const tasksPerRun = createLayeredTasks(0).length;
    const problems = checkLoadResults(followers, journal, listedRuns, startedRunIds, { runCount: options.runCount, followersPerRun: options.followersPerRun, tasksPerRun });
    if (exitCode !== 0) problems.push(`ensemble serve exited with code ${exitCode} after SIGTERM, expected 0`);
    const eventCounts = new Set([...journal.values()].map((events) => events.length));
    return {
      runCount: startedRunIds.length,
      followerCount: followers.length,
      // Every run has the same tasks, so the same events; a second count would show here.
      eventsPerRun: eventCounts.size === 1 ? [...eventCounts][0]! : Number.NaN,
      latency: summarizeLatency(followers),
      idleMemory,
      endMemory,
      wallMs,
      startSpreadMs: lastRunKnownAt - startedAt,
      serverCpuMs,
      clientCpuMs: (clientCpu.user + clientCpu.system) / 1000,
      // The histogram is in ns.
      clientLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      clientLoopDelayMaxMs: loopDelay.max / 1e6,
      loadAverageAtStart,
      problems,
    };
  } catch (error) {
    const stderr = server?.stderrTail().trim() ?? '';
    throw new Error(`${error instanceof Error ? error.message : String(error)}${stderr === '' ? '' : `\nserver stderr (tail):\n${stderr}`}`, { cause: error });
  } finally {
    // A failed round must not leave a server behind: the kill is by this child's own handle.
    if (server !== undefined) await server.stop(STOP_TIMEOUT_MS).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

async function executeRun(url: string, runIndex: number, signal: AbortSignal): Promise<string> {
  const tasks = createLayeredTasks(runIndex);
  const response = await fetch(new URL('/api/workflows/execute', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ workflowName: `server-load-${runIndex}`, tasks, config: { maxParallelAgents: 6 } }),
    signal,
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`POST /api/workflows/execute (run ${runIndex}) answered ${response.status}: ${text.slice(0, 500)}`);
  const answer = executeAnswerSchema.parse(JSON.parse(text));
  if (answer.taskCount !== tasks.length) throw new Error(`run ${answer.runId} started with ${answer.taskCount} tasks, ${tasks.length} were sent`);
  return answer.runId;
}

async function listRuns(url: string, signal: AbortSignal): Promise<ListedRun[]> {
  const response = await fetch(new URL('/api/runs?limit=1000', url), { signal });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /api/runs answered ${response.status}: ${text.slice(0, 500)}`);
  return runListSchema.parse(JSON.parse(text)).runs;
}

/** Each run's events as journaled, read after the server stopped. */
function readJournal(dbPath: string, runIds: readonly string[]): Map<string, JournalEvent[]> {
  const store = openRunStore(dbPath);
  try {
    return new Map(runIds.map((runId) => [runId, store.readEvents(runId).map(({ seq, type, at }) => ({ seq, type, at }))]));
  } finally {
    store.close();
  }
}
