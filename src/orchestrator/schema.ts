import { z } from 'zod';
import { runConfigSchema } from '../core/index.js';

/** The serialisable part of {@link OrchestratorConfig}: the run config plus where agents and data live. */
export const orchestratorOptionsSchema = runConfigSchema.partial().extend({
  /**
   * Provider for `llm` agents (`anthropic`, `openai`, `google`, `ollama`, `openai-compatible`); it must be
   * configured (checked when the run starts: INVALID_INPUT for an unknown name, PROVIDER_NOT_CONFIGURED without its key).
   * @default the config file's `provider`, else the first provider with a key or address in the environment
   */
  provider: z.string().min(1).optional(),
  /** Model for every `llm` task that does not name one: a tier alias or `provider:model`. */
  model: z.string().min(1).optional(),
  /** Extra folders of agent definitions, searched first, in order. */
  agentDirs: z.array(z.string().min(1)).optional(),
  /** Working directory of `command` and `cli` agents. @default process.cwd() */
  workspaceDir: z.string().min(1).optional(),
  workflowName: z.string().min(1).max(200).optional(),
  workflowId: z.string().min(1).max(200).optional(),
  /** Parameters the workflow was built from, kept with the run. */
  parameters: z.record(z.string(), z.unknown()).optional(),
  /** Simulated runtime latency per task in ms. @default ENSEMBLE_SIMULATED_LATENCY_MS, else 300-1200 ms */
  simulatedLatencyMs: z.int().min(0).max(600_000).optional(),
  /** How often a running run checks the journal for a cancel request from another process, in ms. @default 250 */
  cancelPollMs: z.int().min(10).max(60_000).default(250),
});

export type OrchestratorOptions = z.input<typeof orchestratorOptionsSchema>;
