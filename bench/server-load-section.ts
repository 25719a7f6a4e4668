import { cpus, release, totalmem, type as osType } from 'node:os';
import type { LoadRoundResult } from './server-load-round.js';
import { LOAD_AGENT_NAME } from './server-load-workload.js';

/** The section's heading: `npm run bench:server` replaces the section it starts, nothing else. */
export const SERVER_LOAD_HEADING = '## HTTP server under load: concurrent runs and event-stream followers (`ensemble serve`)';

/** The p99 delivery latency the server must hold under this load, in ms (issue 9). */
export const TARGET_P99_MS = 50;

const megabytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const milliseconds = (value: number): string => (Number.isNaN(value) ? '-' : String(value));
const count = (value: number): string => value.toLocaleString('en-US');
const seconds = (valueMs: number): string => (Number.isNaN(valueMs) ? '-' : (valueMs / 1000).toFixed(2));

/** Whether a round held the latency target (a round with no live event cannot claim it). */
export function meetsLatencyTarget(round: LoadRoundResult): boolean {
  return round.latency.liveEventCount > 0 && round.latency.p99Ms <= TARGET_P99_MS;
}

/** The BENCHMARKS.md section for rounds that all passed their checks. */
export function formatServerLoadSection(rounds: readonly LoadRoundResult[], simulatedLatencyMs: number, deadlineMs: number): string[] {
  const first = rounds[0];
  if (first === undefined) throw new Error('no round to report');
  const verdict = rounds.every(meetsLatencyTarget) ? 'met' : '**not met**';
  const coreCount = cpus().length;
  const tasks = simulatedLatencyMs === 0 ? 'no-op tasks: the simulated agents answer at once' : `each simulated task waits ${simulatedLatencyMs} ms`;
  const afterEnd = rounds.map((round) => round.latency.openedAfterEndCount).join(', ');
  const openWaits = rounds.map((round) => seconds(round.latency.openWaitP50Ms)).join(', ');
  return [
    SERVER_LOAD_HEADING,
    '',
    `Written by \`npm run bench:server\` on ${new Date().toISOString().slice(0, 10)}. Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${coreCount} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${osType()} ${release()}, Node ${process.version}. ` +
      `**Client and server share these ${coreCount} cores** (and with whatever else runs: the load average at each round's start is given): the bench process parses ${first.followerCount} streams and the server runs ${first.runCount} runs on the same CPUs, so the client's own delay is part of every latency below (its event-loop delay is given).`,
    '',
    `Each round starts \`ensemble serve\` as a child process (its RSS is its own) on loopback with a fresh SQLite journal, \`--rate-limit 0\` and \`ENSEMBLE_SIMULATED_LATENCY_MS=${simulatedLatencyMs}\` (${tasks}; the built-in \`${LOAD_AGENT_NAME}\` agent, which like every simulated agent with read tools Globs its workspace, here empty, first). ` +
      `It sends ${first.runCount} \`POST /api/workflows/execute\` at once, each with its own 20 tasks in five dependency layers (1, 6, 6, 6, 1; \`maxParallelAgents: 6\`) and \`Accept: application/json\`, so the answer is \`202 {runId}\` and there are no execute streams: the followers are the ${first.followerCount} \`GET /api/runs/:id/events\` streams, ${first.followerCount / first.runCount} per run, each requested with \`Last-Event-ID: 0\` (replay, then live) as soon as its run id is known. Every run journals ${Number.isNaN(first.eventsPerRun) ? 'a varying number of' : first.eventsPerRun} events.`,
    '',
    `*Latency* = the time the client parsed an event − its \`at\` (stamped when the event is recorded, before the journal write), over the events recorded after their follower's response headers arrived (the server subscribes a follower to the run's feed before it answers, so these came live, not from the replay); one machine's wall clock, 1 ms resolution. *Live* = how many events that is. *Open wait* = from a follower's request to its response headers. *CPU* = the server's user + system time during the load. *RSS*: \`/proc/<pid>/status\` of the server — VmRSS after start-up, VmHWM (the peak of its life) and VmRSS once every stream has ended. *Wall*: first request to the last stream's end. The bench has a hard ${deadlineMs / 1000} s deadline.`,
    '',
    `| round | load average at start | events delivered | live | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | open wait p50 / max (s) | server CPU (s) | client loop delay p99 (ms) | RSS idle / peak / end (MB) | wall (s) | p99 ≤ ${TARGET_P99_MS} ms |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rounds.map(
      (round, index) =>
        `| ${index + 1} | ${round.loadAverageAtStart.toFixed(2)} | ${count(round.latency.deliveredEventCount)} | ${count(round.latency.liveEventCount)} | ${milliseconds(round.latency.p50Ms)} | ${milliseconds(round.latency.p95Ms)} | ${milliseconds(round.latency.p99Ms)} | ${milliseconds(round.latency.maxMs)} | ` +
        `${seconds(round.latency.openWaitP50Ms)} / ${seconds(round.latency.openWaitMaxMs)} | ${(round.serverCpuMs / 1000).toFixed(2)} | ${round.clientLoopDelayP99Ms.toFixed(0)} | ` +
        `${megabytes(round.idleMemory.residentBytes)} / ${megabytes(round.endMemory.peakResidentBytes)} / ${megabytes(round.endMemory.residentBytes)} | ${(round.wallMs / 1000).toFixed(2)} | ${meetsLatencyTarget(round) ? 'met' : '**not met**'} |`,
    ),
    '',
    `Target: p99 delivery latency ≤ ${TARGET_P99_MS} ms with ${first.runCount} concurrent runs and ${first.followerCount} followers: ${verdict} (every round must meet it). ` +
      `Followers whose response headers came only after their run's last event (they replayed it whole and measured nothing), per round: ${afterEnd} of ${first.followerCount}; median open wait per round: ${openWaits} s.`,
    '',
    'Checked in every round, or the bench fails: each follower received every event of its run exactly once, in seq order 1..N with no gap, each frame\'s `id` its seq and each event\'s type and `at` as journaled (read from the SQLite file after the server stopped), the stream ending after `workflow:complete`; N equals the journal\'s count; every run started is listed by `GET /api/runs` as succeeded with all 20 tasks (none lost); the server exits 0 on SIGTERM.',
    '',
  ];
}
