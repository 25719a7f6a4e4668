// `npm run bench:resources` (issue 13): 40 CPU-heavy `command` agents at concurrency 16 on this
// machine, with host-pressure control off and on: makespan, host CPU over time, peak memory and
// the most agents running at once. Then the tokens the result cache saves on a repeated
// `code-review` (simulated agents, a git workspace). Rewrites only its own section of BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import { openRunStore } from '../src/store/index.js';
import { createHostSampler } from '../src/resources/index.js';
import { resolveWorkflow } from '../src/workflows/index.js';
import type { RunEvent, RunOutcome, TaskInput } from '../src/core/index.js';
import { createTempFolder } from '../test/helpers/temp-folder.js';
import { RESOURCES_HEADING } from './resources-section.js';
import { writeBenchmarksSection } from './write-benchmarks-section.js';

const benchmarksPath = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
const BURN_AGENT = 'bench-cpu-burn';
const TASKS = 40;
const CONCURRENCY = 16;
// Fixed work per agent (about 1.7 s of one core here), so both runs do the same total work.
const BURN_ITERATIONS = 300_000_000;
const SAMPLE_MS = 500;
const BUCKET_MS = 2000;
const quietLogger = { warn: () => {}, error: (message: string) => process.stderr.write(`bench: ${message}\n`) };

interface PressureRun {
  readonly label: string;
  readonly makespanMs: number;
  readonly succeeded: number;
  readonly cpuSamples: readonly number[];
  readonly peakMemoryUsedMb: number;
  readonly maxRunning: number;
  readonly pressureEvents: number;
  readonly lowestLimit: number | undefined;
  /** Mean duration of one agent, in s (with control on they run mostly alone: about the CPU work of one). */
  readonly meanTaskSeconds: number;
}

/** Runs the 40 burners and samples the host every 500 ms meanwhile. */
async function runBurners(folder: string, agentsDir: string, pressureControl: boolean): Promise<PressureRun> {
  const sampler = createHostSampler();
  const baseline = sampler.sample();
  const cpuSamples: number[] = [];
  let lowestAvailableMb = baseline.memoryAvailableMb;
  const timer = setInterval(() => {
    const sample = sampler.sample();
    cpuSamples.push(sample.cpuPercent);
    lowestAvailableMb = Math.min(lowestAvailableMb, sample.memoryAvailableMb);
  }, SAMPLE_MS);
  const storePath = join(folder, 'bench.db');
  const orchestrator = new AgentOrchestrator({
    maxParallelAgents: CONCURRENCY,
    contextStrategy: 'isolated',
    resources: { pressureControl },
    store: storePath,
    agentDirs: [agentsDir],
    workspaceDir: folder,
    ensembleConfig: { providers: {}, tiers: {}, costs: {} },
    logger: quietLogger,
  });
  const tasks: TaskInput[] = Array.from({ length: TASKS }, (_, index) => ({ id: `burn-${index}`, agentName: BURN_AGENT, prompt: `burn ${index}`, timeoutMs: 600_000 }));
  orchestrator.addTasks(tasks);
  const startedAt = performance.now();
  let outcome: RunOutcome;
  try {
    outcome = await orchestrator.execute();
  } finally {
    clearInterval(timer);
  }
  const makespanMs = performance.now() - startedAt;
  const store = openRunStore(storePath);
  let events: readonly RunEvent[];
  try {
    events = store.readEvents(outcome.runId);
  } finally {
    store.close();
  }
  return {
    label: pressureControl ? 'on (CPU target 60 %)' : 'off',
    makespanMs,
    succeeded: outcome.results.filter((result) => result.status === 'succeeded').length,
    cpuSamples,
    peakMemoryUsedMb: Math.max(0, baseline.memoryAvailableMb - lowestAvailableMb),
    maxRunning: maxConcurrentProcesses(events),
    pressureEvents: events.filter((event) => event.type === 'resources:pressure').length,
    lowestLimit: lowestLimit(events),
    meanTaskSeconds: mean(events.flatMap((event) => (event.type === 'task:complete' ? [event.duration / 1000] : []))),
  };
}

/** The most agent processes alive at once, from the journal's `agent:process` started/exited events. */
function maxConcurrentProcesses(events: readonly RunEvent[]): number {
  let running = 0;
  let most = 0;
  for (const event of events) {
    if (event.type !== 'agent:process') continue;
    running += event.state === 'started' ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}

function lowestLimit(events: readonly RunEvent[]): number | undefined {
  let lowest: number | undefined;
  for (const event of events) if (event.type === 'resources:pressure') lowest = Math.min(lowest ?? event.limit, event.limit);
  return lowest;
}

/** Mean CPU % per 2 s bucket: the shape of the load over the run. */
function cpuOverTime(samples: readonly number[]): string {
  const perBucket = BUCKET_MS / SAMPLE_MS;
  const buckets: string[] = [];
  for (let start = 0; start < samples.length; start += perBucket) {
    const slice = samples.slice(start, start + perBucket);
    buckets.push(String(Math.round(mean(slice))));
  }
  return buckets.join(' ');
}

const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);
const share = (values: readonly number[], predicate: (value: number) => boolean): number => (values.length === 0 ? 0 : values.filter(predicate).length / values.length);

/** Runs code-review twice on one unchanged git workspace with the cache on; returns each run's tokens and cached tasks. */
async function runCodeReviewTwice(folder: string): Promise<{ first: RunOutcome; second: RunOutcome; cachedTasks: number; uncached: readonly string[]; events: readonly RunEvent[] }> {
  const workspace = join(folder, 'workspace');
  mkdirSync(join(workspace, 'src'), { recursive: true });
  writeFileSync(join(workspace, 'README.md'), '# sample\n');
  writeFileSync(join(workspace, 'src', 'app.js'), 'exports.add = (a, b) => a + b;\nexports.div = (a, b) => a / b;\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', ...args], { cwd: workspace, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'initial');
  const storePath = join(folder, 'cache.db');
  const run = async (): Promise<RunOutcome> => {
    const workflow = resolveWorkflow('code-review', { params: { target: 'src' } });
    const orchestrator = new AgentOrchestrator({
      ...workflow.config,
      cache: { ttl: '1h' },
      workflowName: workflow.name,
      parameters: workflow.parameters,
      workspaceDir: realpathSync(workspace),
      store: storePath,
      simulatedLatencyMs: 0,
      ensembleConfig: { providers: {}, tiers: {}, costs: {} },
      logger: quietLogger,
    });
    orchestrator.addTasks(workflow.tasks);
    return orchestrator.execute();
  };
  const first = await run();
  const second = await run();
  const store = openRunStore(storePath);
  try {
    const events = store.readEvents(second.runId);
    const cachedTasks = events.filter((event) => event.type === 'task:complete' && event.cached === true).length;
    const uncached = events.flatMap((event) => (event.type === 'task:complete' && event.cached !== true ? [`${event.taskId} (${event.agentName})`] : []));
    return { first, second, cachedTasks, uncached, events };
  } finally {
    store.close();
  }
}

async function main(): Promise<void> {
  const temp = createTempFolder('ensemble-bench-resources-');
  const agentsDir = join(temp.folder, 'agents');
  mkdirSync(agentsDir, { recursive: true });
  const burn = `let x = 0; for (let i = 0; i < ${BURN_ITERATIONS}; i++) x = (x + i) % 1000003; process.stdout.write(String(x));`;
  writeFileSync(
    join(agentsDir, `${BURN_AGENT}.md`),
    `---\nname: ${BURN_AGENT}\ndescription: Burns one core for a fixed amount of work\ncategory: testing\nruntime: command\ncommand: ["${process.execPath}", "-e", ${JSON.stringify(burn)}]\n---\nCPU-heavy.\n`,
  );
  const loadAtStart = loadavg()[0]!;
  const lines: string[] = [];
  try {
    const runs: PressureRun[] = [];
    for (const pressureControl of [false, true]) {
      const folder = join(temp.folder, pressureControl ? 'on' : 'off');
      mkdirSync(folder);
      const run = await runBurners(folder, agentsDir, pressureControl);
      runs.push(run);
      process.stderr.write(`pressure control ${run.label}: ${(run.makespanMs / 1000).toFixed(1)} s, CPU mean ${mean(run.cpuSamples).toFixed(0)} %, at most ${run.maxRunning} running\n`);
    }
    const cache = await runCodeReviewTwice(join(temp.folder, 'cache'));
    const firstTokens = cache.first.summary.totalTokens;
    const secondTokens = cache.second.summary.totalTokens;
    process.stderr.write(`code-review: ${firstTokens} tokens, then ${secondTokens} with ${cache.cachedTasks} cached tasks\n`);

    lines.push(
      RESOURCES_HEADING,
      '',
      `\`npm run bench:resources\`, ${cpus().length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB, load ${loadAtStart.toFixed(2)} at start, ${new Date().toISOString().slice(0, 10)}.`,
      '',
      `${TASKS} \`command\` agents, each burning one core for the same fixed work (${runs[1]!.meanTaskSeconds.toFixed(1)} s per agent when it runs alone), \`--concurrency ${CONCURRENCY}\`; host CPU sampled every ${SAMPLE_MS} ms from /proc/stat; peak memory is the largest drop of MemAvailable during the run.`,
      '',
      '| pressure control | makespan | tasks succeeded | host CPU mean | samples above 60 % | most agents running at once | lowest limit | `resources:pressure` events | peak memory used |',
      '|---|---|---|---|---|---|---|---|---|',
      ...runs.map(
        (run) =>
          `| ${run.label} | ${(run.makespanMs / 1000).toFixed(1)} s | ${run.succeeded}/${TASKS} | ${mean(run.cpuSamples).toFixed(0)} % | ${(100 * share(run.cpuSamples, (value) => value > 60)).toFixed(0)} % | ${run.maxRunning} | ${run.lowestLimit ?? '-'} | ${run.pressureEvents} | ${run.peakMemoryUsedMb} MB |`,
      ),
      '',
      'Host CPU over time (mean % per 2 s):',
      '',
      ...runs.map((run) => `- ${run.label}: ${cpuOverTime(run.cpuSamples)}`),
      '',
      'With control on, the limit falls to what keeps CPU near the 40-60 % band: on 2 cores one CPU-bound agent is 50 %, two are 100 %, so it holds one at a time and the makespan is about twice the uncontrolled one; that is the price of the band, which the user sets with `resources.cpuTarget` (100 turns the CPU rule off; memory still applies).',
      '',
      `Result cache on a repeated \`code-review\` (6 simulated tasks, unchanged git workspace, \`cache: {ttl: 1h}\`): first run ${firstTokens.toLocaleString('en-US')} tokens, second run ${secondTokens.toLocaleString('en-US')} tokens with ${cache.cachedTasks} of ${cache.second.results.length} tasks served from the cache: ${(firstTokens - secondTokens).toLocaleString('en-US')} tokens saved. Not cached, by design: ${cache.uncached.join(', ')}, whose agents have write tools (\`Write\`, \`Edit\`, \`Bash\`) under the default \`edit\` ceiling; the summary is cached because its inputs are the same.`,
    );
    writeBenchmarksSection(benchmarksPath, RESOURCES_HEADING, lines);
    process.stdout.write(`${lines.join('\n')}\n\nwrote ${benchmarksPath}\n`);
  } finally {
    temp.remove();
  }
}

await main();
