import { z } from 'zod';
import { runConfigSchema } from '../core/index.js';

/**
 * Every run config field, optional and without its default: what the caller set explicitly.
 * `runConfigSchema.partial()` would still fill defaults under zod 4, so a resume could not tell
 * `maxParallelAgents: 3` given from 3 defaulted, and reset a stored 1 to 3 (issue 6).
 */
const explicitRunConfigShape = Object.fromEntries(
  Object.entries(runConfigSchema.shape).map(([key, field]) => [key, (field instanceof z.ZodDefault ? field.unwrap() : field).optional()]),
) as unknown as { [K in keyof typeof runConfigSchema.shape]: z.ZodOptional<Unwrapped<(typeof runConfigSchema.shape)[K]>> };

type Unwrapped<T> = T extends z.ZodDefault<infer Inner> ? Inner : T extends z.ZodOptional<infer Inner> ? Inner : T;

/** The serialisable part of {@link OrchestratorConfig}: the run config plus where agents and data live. */
export const orchestratorOptionsSchema = z.strictObject(explicitRunConfigShape).extend({
  /**
   * Provider for `llm` agents (`anthropic`, `openai`, `google`, `ollama`, `openai-compatible`); it must be
   * configured (checked when the run starts: INVALID_INPUT for an unknown name, PROVIDER_NOT_CONFIGURED without its key).
   * @default the config file's `provider`, else the first provider with a key or address in the environment
   */
  provider: z.string().min(1).optional(),
  /** Model for every `llm` task that does not name one: a tier alias or `provider:model`. */
  model: z.string().min(1).optional(),
  /**
   * Runs the tasks on `ensemble worker` processes through a BullMQ queue on this Redis
   * (`redis://host:port[/db]`); the run keeps it (without credentials) for `resume`.
   * @default local execution (the run's stored Redis for a resume)
   */
  redis: z.string().min(1).optional(),
  /** Prefix of the queue, keys and channels in Redis; coordinator and workers must agree. @default 'ensemble' */
  redisPrefix: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, ".", "-" or "_"').optional(),
  /** Extra folders of agent definitions, searched first, in order; relative ones are taken from `workspaceDir`. */
  agentDirs: z.array(z.string().min(1)).optional(),
  /** Working directory of `command` and `cli` agents, and where ./agents and ensemble.config.yaml are read. @default process.cwd(); a resume: the run's */
  workspaceDir: z.string().min(1).optional(),
  workflowName: z.string().min(1).max(200).optional(),
  workflowId: z.string().min(1).max(200).optional(),
  /** Parameters the workflow was built from, kept with the run. */
  parameters: z.record(z.string(), z.unknown()).optional(),
  /** Simulated runtime latency per task in ms. @default ENSEMBLE_SIMULATED_LATENCY_MS, else 300-1200 ms */
  simulatedLatencyMs: z.int().min(0).max(600_000).optional(),
  /** How often a running run checks the journal for a cancel request from another process, in ms. @default 250 */
  cancelPollMs: z.int().min(10).max(60_000).default(250),
  /** How often a running run renews its heartbeat in the journal, in ms. @default 5000 */
  heartbeatIntervalMs: z.int().min(10).max(600_000).default(5_000),
  /** A run whose heartbeat is older than this is `interrupted` (any process may resume it), in ms; at least twice the interval. @default 30000 */
  staleAfterMs: z.int().min(20).max(86_400_000).default(30_000),
  /** Resume: time a leftover process group of the crashed run gets between SIGTERM and SIGKILL, in ms. @default 2000 */
  orphanGraceMs: z.int().min(0).max(600_000).default(2_000),
  /** Resume: how long to wait for a leftover process group on another host to exit before giving up, in ms. @default 60000 */
  orphanWaitMs: z.int().min(0).max(86_400_000).default(60_000),
  /** Resume even though process agents of an earlier execution may still run on another host (only when that host is gone for good). @default false */
  ignoreRemoteAgents: z.boolean().default(false),
  /** How often host pressure is sampled while the run's process agents are limited by it (`resources.pressureControl`), in ms. @default 1000 */
  pressureSampleIntervalMs: z.int().min(50).max(60_000).optional(),
}).refine((options) => options.staleAfterMs >= 2 * options.heartbeatIntervalMs, {
  message: 'must be at least twice heartbeatIntervalMs, so one late renewal does not make a live run look gone',
  path: ['staleAfterMs'],
});

export type OrchestratorOptions = z.input<typeof orchestratorOptionsSchema>;

/** The options once parsed: defaults filled in (`cancelPollMs`, `staleAfterMs`, …), run config fields still only those given. */
export type ParsedOrchestratorOptions = z.output<typeof orchestratorOptionsSchema>;
