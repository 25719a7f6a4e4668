import { resolve } from 'node:path';
import type { TaskSpec } from '../../core/index.js';
import { loadEnsembleConfig } from '../../config/index.js';
import { AgentOrchestrator } from '../../orchestrator/index.js';
import type { ResolvedWorkflow } from '../../workflows/index.js';
import type { CliContext } from '../cli-context.js';
import { parseRunShapingFlags, resolveRedisUrl, type RunShapingFlags } from './run-shaping-flags.js';
import { watchRun } from './watch-run.js';

/** What a caller of {@link runResolvedWorkflow} may change. */
export interface RunResolvedWorkflowOptions {
  /** The tasks to run instead of the workflow's, when the caller changed them (`run --agent role=agent`). @default workflow.tasks */
  readonly tasks?: readonly TaskSpec[];
  /** Lines of each final output printed at the end (not with --json). @default 40 */
  readonly outputLines?: number;
}

/**
 * Runs a resolved workflow from the CLI with the run-shaping flags merged over its own config,
 * and watches it (live view, lines, or NDJSON with --json); returns the exit code. The path
 * `run` (templates and files) and `route` (router plans) share.
 */
export async function runResolvedWorkflow(context: CliContext, workflow: ResolvedWorkflow, flags: RunShapingFlags, options: RunResolvedWorkflowOptions = {}): Promise<number> {
  const shaping = parseRunShapingFlags(flags, context.cwd);
  const budget = workflow.config.budget;
  // Kept with the run as absolute paths, so `resume` from any directory works in the same tree.
  const workspaceDir = shaping.workspaceDir ?? resolve(context.cwd);
  // Read here, with the CLI's environment, so a bad config file fails before anything runs.
  const ensembleConfig = loadEnsembleConfig({ cwd: workspaceDir, env: context.env, ...(shaping.provider === undefined ? {} : { provider: shaping.provider }) });
  const redis = resolveRedisUrl(flags.redis, context.env, ensembleConfig);
  const orchestrator = new AgentOrchestrator({
    ...workflow.config,
    ...shaping.config,
    // `--cpu-target` keeps the workflow's memory settings: resources merge field by field, as the budget does.
    ...(shaping.config.resources === undefined ? {} : { resources: { ...workflow.config.resources, ...shaping.config.resources } }),
    ...(shaping.runCap === undefined ? {} : { budget: { ...budget, run: { ...budget?.run, ...shaping.runCap } } }),
    workflowName: workflow.name,
    ...(workflow.workflowId === undefined ? {} : { workflowId: workflow.workflowId }),
    parameters: workflow.parameters,
    agentDirs: context.options.agentsDir.map((dir) => resolve(context.cwd, dir)),
    workspaceDir,
    store: context.storePath,
    ensembleConfig,
    ...(shaping.provider === undefined ? {} : { provider: shaping.provider }),
    ...(shaping.model === undefined ? {} : { model: shaping.model }),
    ...(redis === undefined ? {} : { redis }),
  });
  orchestrator.addTasks(options.tasks ?? workflow.tasks);
  return watchRun(context, orchestrator, (running) => running.execute(), options.outputLines === undefined ? {} : { outputLines: options.outputLines });
}
