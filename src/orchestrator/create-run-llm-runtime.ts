import { dirname, join } from 'node:path';
import { createLlmRuntime, type LlmRuntime } from '../agents/index.js';
import { createNoticeMemory, NOTICE_FILE_NAME, openNoticeMemory } from '../providers/index.js';
import type { EnsembleConfig, ProviderPolicy } from '../config/index.js';
import { defaultStorePath } from '../store/index.js';
import { createBuiltinTools } from '../tools/index.js';

export interface RunLlmRuntimeOptions {
  readonly config: EnsembleConfig;
  readonly policy: ProviderPolicy;
  /** The run keeps a journal: one-time notices are then remembered per machine, else per process. */
  readonly isJournaled: boolean;
  readonly onWarning: (message: string) => void;
}

/** The `llm` runtime of the configured provider, or undefined when none is configured (llm agents then run simulated). */
export function createRunLlmRuntime({ config, policy, isJournaled, onWarning }: RunLlmRuntimeOptions): LlmRuntime | undefined {
  // "No price is known" is said once per model and machine: remembered next to the journal ($ENSEMBLE_HOME).
  const notices = isJournaled ? openNoticeMemory(join(dirname(defaultStorePath()), NOTICE_FILE_NAME)) : createNoticeMemory();
  if (config.provider === undefined) return undefined;
  return createLlmRuntime({
    provider: config.provider,
    providers: config.providers,
    tiers: config.tiers,
    costs: config.costs,
    ...(config.model === undefined ? {} : { model: config.model }),
    onWarning,
    notices,
    streamIdleTimeoutMs: policy.streamIdleTimeoutMs,
    modelCheckTimeoutMs: policy.modelCheckTimeoutMs,
    // Every llm agent is a tool-using agent: its `tools` and the run's --permissions pick from these.
    tools: createBuiltinTools(),
  });
}
