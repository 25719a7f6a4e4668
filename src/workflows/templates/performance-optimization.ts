import { z } from 'zod';
import type { TaskInput } from '../../core/index.js';
import { defineWorkflowTemplate } from '../define-workflow-template.js';
import { optionalText, requiredText } from './parameter-fields.js';

/** Who analyses each area, and what to look for there. */
const AREAS = {
  backend: {
    agentName: 'performance-engineer',
    description: 'Analyse backend hot spots',
    focus:
      'Analyse the server-side and compute code on the slow path: algorithms with poor complexity for realistic input sizes, ' +
      'repeated work inside loops, needless serialisation and copying, synchronous or blocking I/O on a request path, ' +
      'missing concurrency where calls are independent (or unbounded concurrency where they compete), lock contention, ' +
      'memory churn and leaks that drive garbage collection, and missing caching of pure or slow results.',
  },
  database: {
    agentName: 'database-optimizer',
    description: 'Analyse database hot spots',
    focus:
      'Analyse the data access on the slow path: Grep for queries, ORM calls and migrations, and Read them. Look for N+1 ' +
      'queries (a query per item inside a loop), missing or unused indexes for the filters, joins and sort orders used, ' +
      'SELECT of whole rows where a few columns do, missing pagination, transactions held across slow work, and connection ' +
      'pool sizing. For each query you flag, give the index or rewrite and the query plan (EXPLAIN) a person should check.',
  },
  frontend: {
    agentName: 'performance-engineer',
    description: 'Analyse frontend hot spots',
    focus:
      'Analyse the client side: bundle size and what pulls in large dependencies, code that could be split or loaded later, ' +
      'render work (components that re-render on every change, expensive computations in render, long lists without ' +
      'virtualisation), layout thrashing, images and fonts without size hints or lazy loading, and requests made in a ' +
      'waterfall that could run in parallel. Relate each finding to the Core Web Vitals it affects (LCP, INP, CLS).',
  },
  network: {
    agentName: 'performance-engineer',
    description: 'Analyse network and external-call hot spots',
    focus:
      'Analyse calls that leave the process: HTTP clients, third-party APIs, queues and caches. Look for sequential calls ' +
      'that could run in parallel or be batched, chatty APIs, missing HTTP caching headers and compression, oversized ' +
      'payloads, new connections per request instead of keep-alive pools, missing timeouts, and retries that multiply load.',
  },
} as const;

type Area = keyof typeof AREAS;
const AREA_NAMES = ['backend', 'database', 'frontend', 'network'] as const satisfies readonly Area[];
const DEFAULT_AREAS: readonly Area[] = ['backend', 'database', 'frontend'];

/**
 * Measure a baseline, analyse hot spots by area side by side, implement the top fixes, then
 * measure again the same way and compare. Measuring needs Bash (`--permissions full`); without
 * it the agents write the benchmark and say the numbers are missing rather than invent them.
 */
export const performanceOptimizationTemplate = defineWorkflowTemplate({
  id: 'performance-optimization',
  name: 'Performance Optimization',
  description: 'Measures a baseline, analyses hot spots by area in parallel, implements the top fixes, then re-measures and compares.',
  category: 'performance',
  tags: ['performance', 'optimization', 'profiling', 'benchmark', 'hybrid'],
  // Baseline (120 s), the area analyses side by side (120 s), the fixes (180 s), the re-measure (120 s).
  estimatedDuration: 540,
  complexity: 'complex',
  parameterSchema: z.strictObject({
    scenario: requiredText('What is slow and how it is used: an endpoint, command, page or job, with a typical input and load.'),
    target: z.string().trim().min(1).max(1000).default('.').describe('The part of the workspace to optimise: a file or folder (. for all of it).'),
    metric: z.string().trim().min(1).max(200).default('p95 latency').describe('What to improve: p95 latency, throughput, memory, bundle size, …'),
    goal: optionalText('The number to reach, if there is one, e.g. "p95 under 200 ms".', 500),
    areas: z
      .array(z.enum(AREA_NAMES))
      .min(1, `at least one area is needed; known areas: ${AREA_NAMES.join(', ')}`)
      .default(() => [...DEFAULT_AREAS])
      .describe(`Areas analysed in parallel, each by its specialist: ${AREA_NAMES.join(', ')}.`),
    maxFixes: z.int().min(1).max(10).default(3).describe('How many of the top fixes to implement (1-10).'),
  }),
  // Every area analysis at once.
  config: { maxParallelAgents: AREA_NAMES.length },
  buildTasks({ scenario, target, metric, goal, areas: listedAreas, maxFixes }): TaskInput[] {
    // Catalogue order, each area once, whatever order the caller listed them in.
    const areas = AREA_NAMES.filter((area) => listedAreas.includes(area));
    const where = target === '.' ? 'the whole workspace' : `\`${target}\` in the workspace`;
    const brief = [
      `Slow scenario: ${scenario}`,
      `Code in scope: ${where}.`,
      `Metric to improve: ${metric}${goal === undefined ? '' : `; goal: ${goal}`}.`,
    ].join('\n');
    const analysisIds = areas.map((area) => `analyze-${area}`);
    const analysisOutput =
      'Read the code before you judge it (Glob, Grep, Read) and start from the hot spots the baseline found. You have no ' +
      'shell and change no files. If the scope has no code in this area, say so in one line and stop. Otherwise list each ' +
      'hot spot with: `path:line`; why it is slow, tied to the baseline numbers or profile where they exist; the fix; the ' +
      `expected gain on ${metric} (an estimate, with the reasoning); the risk to behaviour; and the effort (small, medium, ` +
      'large). Rank them by expected gain per effort, largest first.';
    return [
      {
        id: 'baseline',
        agentName: 'test-automator',
        description: 'Measure the baseline',
        prompt:
          `${brief}\n\n` +
          'Measure how the scenario performs today, so every later step can be judged against numbers. Look for an existing ' +
          'benchmark, load test or profiling script (Glob for bench, perf, load, k6, locust, hyperfine, `*.bench.*`; the scripts ' +
          'in package.json or a Makefile) and Read it. If none measures this scenario, write a small, repeatable benchmark with ' +
          'Write, in a new file beside the project\'s tests, that runs the scenario with a realistic input and reports ' +
          `${metric}; do not change any other file.\n\n` +
          'With Bash (under `--permissions full`), run a warm-up and then at least five measured runs, and run a profiler where ' +
          "the language has one at hand (`node --cpu-prof`, `py-spy` or `cProfile`, `go test -cpuprofile`). Quote each command " +
          'exactly, with its raw numbers, the median and spread, and the machine and settings, so the same measurement can be ' +
          'repeated after the fixes. Without Bash, say in your first line that the baseline was not measured, give the exact ' +
          'commands to run, and name likely hot spots from reading the code, marked as unmeasured. Never invent numbers.\n\n' +
          'End with: the benchmark command, the baseline table, and the hottest functions or queries as `path:line`.',
        priority: 10,
        maxTokens: 10_000,
        estimatedMs: 120_000,
      },
      ...areas.map(
        (area): TaskInput => ({
          id: `analyze-${area}`,
          agentName: AREAS[area].agentName,
          description: AREAS[area].description,
          prompt: `${brief}\n\n${AREAS[area].focus}\n\n${analysisOutput}`,
          dependencies: ['baseline'],
          priority: 8,
          maxTokens: 8000,
          estimatedMs: 120_000,
        }),
      ),
      {
        id: 'implement-fixes',
        agentName: 'developer',
        description: `Implement the top ${maxFixes} fixes`,
        prompt:
          `${brief}\n\n` +
          `Implement the top ${maxFixes} performance fixes from the ${areas.join(', ')} analyses. First merge the analyses into ` +
          'one ranked list (the same hot spot seen twice is one item) and pick the fixes with the largest expected gain for ' +
          'their risk and effort; skip any that would change observable behaviour or an API other code depends on, and say ' +
          'why. Read each file before you change it, change it with Edit, and create files with Write.\n\n' +
          'Keep each fix small and separate, so its effect can be measured and it can be reverted on its own. Preserve ' +
          'behaviour exactly: same results, same errors, same ordering where callers rely on it; add a cache only with a ' +
          'clear invalidation rule and a bound on its size. Do not touch the benchmark file. When you finish, list each fix ' +
          'with the files changed (`path:line`), the hot spot it addresses, and the gain you expect, then the fixes you chose ' +
          'not to make and why.',
        dependencies: ['baseline', ...analysisIds],
        priority: 9,
        maxTokens: 16_000,
        estimatedMs: 180_000,
      },
      {
        id: 'remeasure',
        agentName: 'test-automator',
        description: 'Re-measure and compare with the baseline',
        prompt:
          `${brief}\n\n` +
          'Measure the scenario again after the fixes, exactly as the baseline did: the same benchmark command, input, number ' +
          'of runs and settings. Read the files the implementer changed (its `path:line` list) so you can relate each number ' +
          'to a fix. With Bash (under `--permissions full`), run the benchmark, then the project\'s test suite to ' +
          'confirm behaviour did not change, and quote both commands with their output and exit codes. Without Bash, say in ' +
          'your first line that nothing was measured or tested, and give the commands to run; never report numbers you did ' +
          'not see. Do not change any file.\n\n' +
          `Report: a table of ${metric} before and after (median and spread), with the change in percent` +
          (goal === undefined ? '' : ` and whether the goal (${goal}) is met`) +
          '; for each fix the implementer listed, whether the numbers support its expected gain; any regression in the ' +
          'metric, in other measurements you took, or in the tests; a change within the run-to-run spread called noise, not ' +
          'a gain; and the next hot spots worth attacking.',
        dependencies: ['baseline', 'implement-fixes'],
        priority: 7,
        maxTokens: 8000,
        estimatedMs: 120_000,
      },
    ];
  },
});
