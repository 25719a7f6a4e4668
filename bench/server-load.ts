// `npm run bench:server`: `ensemble serve` under 50 concurrent runs and 200 event-stream followers
// (issue 9); checks every delivery, measures latency and the server's memory, and rewrites only its
// own section of BENCHMARKS.md.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoadRound, type LoadRoundResult } from './server-load-round.js';
import { formatServerLoadSection, meetsLatencyTarget, SERVER_LOAD_HEADING, TARGET_P99_MS } from './server-load-section.js';
import { writeBenchmarksSection } from './write-benchmarks-section.js';

/** Issue 9's load: 50 concurrent executions, 4 followers each. */
const RUN_COUNT = 50;
const FOLLOWERS_PER_RUN = 4;
/** Rounds on a fresh server each, to see the figures are stable. */
const DEFAULT_ROUNDS = 3;
/** The whole bench, every round included, in s: past it the bench fails, naming the phase. */
const DEFAULT_DEADLINE_SECONDS = 120;

const benchmarksPath = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: String(DEFAULT_ROUNDS) },
      // 0 is issue 9's no-op tasks; a few tens of ms let runs outlast their followers' connection.
      'simulated-latency-ms': { type: 'string', default: '0' },
      'deadline-seconds': { type: 'string', default: String(DEFAULT_DEADLINE_SECONDS) },
      // Print the figures without touching BENCHMARKS.md.
      'no-write': { type: 'boolean', default: false },
    },
  });
  const roundCount = Number(values.rounds);
  if (!Number.isInteger(roundCount) || roundCount < 1 || roundCount > 10) throw new Error(`--rounds: expected a whole number from 1 to 10, got ${JSON.stringify(values.rounds)}`);

  const simulatedLatencyMs = Number(values['simulated-latency-ms']);
  if (!Number.isInteger(simulatedLatencyMs) || simulatedLatencyMs < 0 || simulatedLatencyMs > 1000) {
    throw new Error(`--simulated-latency-ms: expected a whole number from 0 to 1000, got ${JSON.stringify(values['simulated-latency-ms'])}`);
  }
  const deadlineSeconds = Number(values['deadline-seconds']);
  if (!Number.isInteger(deadlineSeconds) || deadlineSeconds < 1 || deadlineSeconds > 600) throw new Error(`--deadline-seconds: expected a whole number from 1 to 600, got ${JSON.stringify(values['deadline-seconds'])}`);
  const deadlineMs = deadlineSeconds * 1000;
  const deadline = AbortSignal.timeout(deadlineMs);
  let phase = 'starting';
  const rounds: LoadRoundResult[] = [];
  for (let round = 1; round <= roundCount; round++) {
    let result: LoadRoundResult;
    try {
      // Every wait of a round takes the deadline's signal (or is bounded itself), and the round stops its server before it rejects.
      result = await runLoadRound({ runCount: RUN_COUNT, followersPerRun: FOLLOWERS_PER_RUN, simulatedLatencyMs, signal: deadline, onPhase: (name) => (phase = `round ${round}: ${name}`) });
    } catch (error) {
      if (deadline.aborted) throw new Error(`the ${deadlineSeconds} s deadline passed while ${phase}`, { cause: error });
      throw new Error(`${phase}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const { latency } = result;
    process.stdout.write(
      `round ${round}: ${result.runCount} runs, ${result.followerCount} followers, ${latency.deliveredEventCount} events delivered (${latency.liveEventCount} live); ` +
        `latency p50 ${latency.p50Ms} ms, p95 ${latency.p95Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms; ` +
        `stream headers after p50 ${latency.openWaitP50Ms} ms, max ${latency.openWaitMaxMs} ms (${latency.openedAfterEndCount} after their run ended); ` +
        `server RSS idle ${mb(result.idleMemory.residentBytes)} MB, peak ${mb(result.endMemory.peakResidentBytes)} MB, end ${mb(result.endMemory.residentBytes)} MB; ` +
        `wall ${(result.wallMs / 1000).toFixed(2)} s (all run ids known after ${(result.startSpreadMs / 1000).toFixed(2)} s); ` +
        `CPU server ${(result.serverCpuMs / 1000).toFixed(2)} s, client ${(result.clientCpuMs / 1000).toFixed(2)} s; client loop delay p99 ${result.clientLoopDelayP99Ms.toFixed(1)} ms, max ${result.clientLoopDelayMaxMs.toFixed(1)} ms; ` +
        `load average at start ${result.loadAverageAtStart.toFixed(2)}\n`,
    );
    if (result.problems.length > 0) {
      process.stderr.write(`\nserver-load bench FAILED in round ${round}: ${result.problems.length} problems\n${result.problems.slice(0, 40).map((problem) => `  - ${problem}`).join('\n')}\n`);
      return 1;
    }
    rounds.push(result);
  }
  const allMet = rounds.every(meetsLatencyTarget);
  process.stdout.write(`\ncorrectness checks passed in ${rounds.length} rounds; target p99 ≤ ${TARGET_P99_MS} ms: ${allMet ? 'met' : 'NOT MET'}\n`);
  if (!values['no-write']) {
    writeBenchmarksSection(benchmarksPath, SERVER_LOAD_HEADING, formatServerLoadSection(rounds, simulatedLatencyMs, deadlineMs));
    process.stdout.write(`updated the section "${SERVER_LOAD_HEADING}" of ${benchmarksPath}\n`);
  }
  return 0;
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`\nserver-load bench FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
// Streams a failed round left open must not keep the bench alive; the round already stopped its server.
process.exit();
