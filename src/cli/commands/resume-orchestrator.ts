import { resolve } from 'node:path';
import { AgentOrchestrator, type SettingOverride } from '../../orchestrator/index.js';
import type { CliContext } from '../cli-context.js';
import { FLAG_OF_SETTING, parseRunShapingFlags, type RunShapingFlags } from './run-shaping-flags.js';

/** An orchestrator to resume a run with, and where it reports the settings the flags override. */
export interface ResumeOrchestrator {
  readonly orchestrator: AgentOrchestrator;
  /** Writes one `resume: --concurrency 50 overrides the run's 1` line per override to stderr. */
  readonly onOverrides: (overrides: readonly SettingOverride[]) => void;
}

/**
 * The orchestrator `resume` and `meetings resume` continue a run with: only what the flags give is
 * set, so everything else comes from the run (its workspace, agent folders, provider, model, caps).
 */
export function createResumeOrchestrator(context: CliContext, flags: RunShapingFlags & { readonly ignoreRemoteAgents?: boolean }): ResumeOrchestrator {
  const shaping = parseRunShapingFlags(flags, context.cwd);
  const agentDirs = context.options.agentsDir.map((dir) => resolve(context.cwd, dir));
  const orchestrator = new AgentOrchestrator({
    ...shaping.config,
    ...(shaping.runCap === undefined ? {} : { budget: { run: shaping.runCap } }),
    ...(shaping.provider === undefined ? {} : { provider: shaping.provider }),
    ...(shaping.model === undefined ? {} : { model: shaping.model }),
    ...(shaping.workspaceDir === undefined ? {} : { workspaceDir: shaping.workspaceDir }),
    // Only the flag: a run keeps its own Redis (without credentials; give --redis again for a password).
    ...(shaping.redis === undefined ? {} : { redis: shaping.redis }),
    ...(agentDirs.length === 0 ? {} : { agentDirs }),
    ...(flags.ignoreRemoteAgents === true ? { ignoreRemoteAgents: true } : {}),
    store: context.storePath,
  });
  const onOverrides = (overrides: readonly SettingOverride[]): void => {
    for (const override of overrides) context.stderr.write(`${describeOverride(override)}\n`);
  };
  return { orchestrator, onOverrides };
}

/** `resume: --concurrency 50 overrides the run's 1`. */
function describeOverride(override: SettingOverride): string {
  const show = (value: unknown): string =>
    value === undefined ? 'none' : Array.isArray(value) ? value.join(', ') || 'none' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `resume: ${FLAG_OF_SETTING[override.field] ?? override.field} ${show(override.to)} overrides the run's ${show(override.from)}`;
}
