// `npm run bench`: measures the scheduler and journal and writes BENCHMARKS.md.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchAgentRegistryLoad } from './agent-registry-load.js';
import { benchContextTokens, formatContextTokens } from './context-tokens.js';
import { benchMakespan, type MakespanSample } from './makespan.js';
import { benchOverhead } from './overhead.js';
import { benchScale } from './scale.js';
import { benchToolLoop } from './tool-loop.js';
import { SERVER_LOAD_HEADING } from './server-load-section.js';
import { TICKETS_HEADING } from './tickets-section.js';
import { DISTRIBUTED_HEADING } from './distributed-section.js';
import { RESOURCES_HEADING } from './resources-section.js';
import { readMarkdownSection, replaceMarkdownSection } from './write-benchmarks-section.js';

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const max = (values: number[]) => Math.max(...values);
const fixed = (value: number, digits = 3) => value.toFixed(digits);
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

async function main(): Promise<void> {
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  log('# Benchmarks');
  log('');
  log(`Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${osType()} ${release()}, Node ${process.version}.`);
  log('Each figure is the median of several runs; these are measurements, not tests.');
  log('');

  log('## Scheduler overhead (no-op in-process agents, concurrency 16)');
  log('');
  log('Whole run: validation, scheduling, events, and (with journal) every event written to SQLite before it is emitted.');
  log('');
  log('| case | journal | µs per task | target | verdict |');
  log('|---|---|---|---|---|');
  for (const result of await benchOverhead()) {
    const target = result.journal ? 150 : 20;
    log(`| ${result.name} | ${result.journal ? 'SQLite (WAL)' : 'none'} | ${fixed(result.microsecondsPerTask, 1)} | ≤ ${target} | ${verdict(result.microsecondsPerTask <= target)} |`);
  }
  log('');

  log('## Makespan against the lower bound');
  log('');
  log('20 seeded random layered DAGs of 60 tasks, lognormal latencies (median 20 ms, σ 0.6), real timers. Ratio = makespan ÷ max(critical path, total work ÷ concurrency), with the bound computed from the durations the tasks actually took. The baseline runs topological levels one after another (a "wave" scheduler) with the same limit.');
  log('');
  log('Two columns for ensemble: *with oracle*, each task\'s `estimatedMs` is its true latency, so the critical-path order is perfect (no real run knows this); *no estimates*, tasks carry none and every task counts one unit (a first run of agents with no history; later runs use the agents\' median past durations). The targets were set for the oracle; the verdict gives both.');
  log('');
  const samples = await benchMakespan();
  log('| concurrency | with oracle: mean | max | no estimates: mean | max | level-by-level: mean | max | target (mean / max) | verdict (oracle / no estimates) |');
  log('|---|---|---|---|---|---|---|---|---|');
  for (const concurrency of [4, 16]) {
    const subset = samples.filter((sample: MakespanSample) => sample.concurrency === concurrency);
    const oracle = subset.map((sample) => sample.oracleRatio);
    const none = subset.map((sample) => sample.noEstimateRatio);
    const baseline = subset.map((sample) => sample.levelByLevelRatio);
    const targetMean = concurrency === 4 ? 1.04 : 1.02;
    const meets = (ratios: number[]) => mean(ratios) <= targetMean && max(ratios) <= 1.15;
    log(
      `| ${concurrency} | ${fixed(mean(oracle))} | ${fixed(max(oracle))} | ${fixed(mean(none))} | ${fixed(max(none))} | ${fixed(mean(baseline))} | ${fixed(max(baseline))} | ` +
        `≤ ${targetMean} / ≤ 1.15 | ${verdict(meets(oracle))} / ${verdict(meets(none))} |`,
    );
  }
  log('');

  log('## Scale: random DAG, each task depending on up to 3 earlier ones (no-op agents, concurrency 64)');
  log('');
  log('Each case runs in its own process; peak RSS is that process\'s maximum resident set.');
  log('');
  const scale = benchScale();
  log('| tasks | journal | seconds | µs per task | peak RSS (MB) | target | verdict |');
  log('|---|---|---|---|---|---|---|');
  for (const result of scale) {
    const isTarget = result.taskCount === 50_000;
    const target = isTarget ? (result.journal ? '≤ 5 s' : '≤ 1 s, ≤ 250 MB') : 'linear';
    const ok = result.journal ? result.seconds <= 5 : result.seconds <= 1 && result.peakRssMb <= 250;
    log(`| ${result.taskCount.toLocaleString('en-US')} | ${result.journal ? 'SQLite (WAL)' : 'none'} | ${fixed(result.seconds, 2)} | ${fixed((result.seconds * 1e6) / result.taskCount, 1)} | ${Math.round(result.peakRssMb)} | ${target} | ${isTarget ? verdict(ok) : '-'} |`);
  }
  log('');
  log('## Agent registry: loading a folder of 200 Claude Code definitions');
  log('');
  log('200 generated subagent files (front matter with `tools`, `model`, `color`; 60-line bodies) in six category folders with READMEs, loaded with the built-in catalogue by `loadAgentRegistry`, in a fresh process. Cold = the first load after start-up; warm = median of the next 10.');
  log('');
  const registryLoad = benchAgentRegistryLoad();
  log('| definitions | agents loaded | cold first load (ms) | warm median (ms) | target | verdict |');
  log('|---|---|---|---|---|---|');
  log(`| ${registryLoad.definitionCount} | ${registryLoad.agentCount} | ${fixed(registryLoad.coldMs, 1)} | ${fixed(registryLoad.medianMs, 1)} | < 200 ms | ${verdict(registryLoad.coldMs < 200 && registryLoad.medianMs < 200)} |`);
  log('');
  log('## Tool calls of llm agents');
  log('');
  log("CPU time, measured with `process.cpuUsage`. *Ensemble's own work per call*: a tool call through the loop's call path (input validation, summary, `agent:tool` start and end events, result cap) minus the same tool's `execute` alone, over 20,000 calls. *Read*: the whole call path with a real `Read` of a 100-line file. *Per step*: 30 steps of an agent calling `Read` once per step, against an OpenAI-compatible loopback server in this process that answers at once (its HTTP and JSON work counts too). *Per further call in a step*: the same loop with three calls per step, the difference divided by the extra calls — mostly the conversation growing by each call and result, re-sent with every later step.");
  log('');
  const toolLoop = await benchToolLoop();
  log('| measure | CPU time | target | verdict |');
  log('|---|---|---|---|');
  log(`| ensemble's own work per tool call | ${fixed(toolLoop.overheadPerToolCallMicroseconds, 1)} µs | < 2 ms | ${verdict(toolLoop.overheadPerToolCallMicroseconds < 2000)} |`);
  log(`| a Read of a 100-line file, call path included | ${fixed(toolLoop.readCallMicroseconds, 1)} µs | - | - |`);
  log(`| one step of the loop (model call + one Read) | ${fixed(toolLoop.stepMilliseconds, 2)} ms | - | - |`);
  log(`| each further tool call within a step | ${fixed(toolLoop.extraCallInLoopMilliseconds, 2)} ms | - | - |`);
  log('');
  for (const line of formatContextTokens(await benchContextTokens())) log(line);
  const benchmarksPath = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  // `npm run bench:server`, `bench:tickets`, `bench:distributed` and `bench:resources` own their sections: keep what they last wrote, in this order.
  const previous = existsSync(benchmarksPath) ? readFileSync(benchmarksPath, 'utf8') : '';
  let text = `${lines.join('\n')}\n`;
  for (const heading of [SERVER_LOAD_HEADING, TICKETS_HEADING, DISTRIBUTED_HEADING, RESOURCES_HEADING]) {
    const kept = readMarkdownSection(previous, heading);
    if (kept !== undefined) text = replaceMarkdownSection(text, heading, kept);
  }
  writeFileSync(benchmarksPath, text);
  process.stdout.write(`\nwrote ${benchmarksPath}\n`);
}

await main();
