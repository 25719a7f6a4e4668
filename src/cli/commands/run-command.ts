import type { Command } from 'commander';
import { contextStrategySchema, EnsembleError, type RunConfigInput } from '../../core/index.js';
import { loadEnsembleConfig, PROVIDER_NAMES, providerNameSchema } from '../../config/index.js';
import { AgentOrchestrator } from '../../orchestrator/index.js';
import { parseParamFlags, resolveWorkflow } from '../../workflows/index.js';
import { collect, type ActionFactory } from '../action.js';
import { parseIntegerFlag, type CliContext } from '../cli-context.js';
import { watchRun } from './watch-run.js';

interface RunFlags {
  readonly param: string[];
  readonly provider?: string;
  readonly model?: string;
  readonly concurrency?: string;
  readonly context?: string;
  readonly timeout?: string;
  readonly maxTokens?: string;
  readonly maxCost?: string;
}

export function registerRunCommand(program: Command, action: ActionFactory): void {
  program
    .command('run')
    .description('run a workflow: a built-in template id, or a .yaml/.json workflow file')
    .argument('<workflow>', 'template id (see `ensemble workflows list`) or path to a workflow file')
    .option('-p, --param <key=value>', 'workflow parameter (repeatable)', collect, [])
    .option('--provider <name>', `model provider for llm agents: ${PROVIDER_NAMES.join(', ')} (default: from ensemble.config.yaml or the environment)`)
    .option('--model <model>', 'model for llm agents: a tier (haiku, sonnet, opus, fast, balanced, best) or provider:model')
    .option('-c, --concurrency <n>', 'maximum agents running at once (1-1000)')
    .option('--context <strategy>', 'context strategy: shared, isolated or hierarchical')
    .option('--timeout <ms>', 'global timeout for the whole run, in ms')
    .option('--max-tokens <n>', 'token cap for the whole run: no model call starts that could cross it')
    .option('--max-cost <usd>', 'dollar cap for the whole run: no model call starts that could cross it')
    .action(action((context, reference: string, flags: RunFlags) => runWorkflow(context, reference, flags)));
}

async function runWorkflow(context: CliContext, reference: string, flags: RunFlags): Promise<number> {
  const workflow = resolveWorkflow(reference, { params: parseParamFlags(flags.param), cwd: context.cwd });
  const overrides: RunConfigInput = {};
  if (flags.concurrency !== undefined) overrides.maxParallelAgents = parseIntegerFlag('--concurrency', flags.concurrency, 1, 1000);
  if (flags.timeout !== undefined) overrides.globalTimeout = parseIntegerFlag('--timeout', flags.timeout, 1, 2_147_483_647);
  if (flags.context !== undefined) {
    const strategy = contextStrategySchema.safeParse(flags.context);
    if (!strategy.success) throw new EnsembleError('INVALID_INPUT', `--context: expected shared, isolated or hierarchical, got "${flags.context}"`);
    overrides.contextStrategy = strategy.data;
  }
  if (flags.provider !== undefined && !providerNameSchema.safeParse(flags.provider).success) {
    throw new EnsembleError('INVALID_INPUT', `--provider: expected one of ${PROVIDER_NAMES.join(', ')}, got "${flags.provider}"`);
  }
  const runCap = {
    ...(flags.maxTokens === undefined ? {} : { tokens: parseIntegerFlag('--max-tokens', flags.maxTokens, 1, Number.MAX_SAFE_INTEGER) }),
    ...(flags.maxCost === undefined ? {} : { costUsd: parseDollarFlag('--max-cost', flags.maxCost) }),
  };
  if (Object.keys(runCap).length > 0) {
    const budget = workflow.config.budget;
    overrides.budget = { ...budget, run: { ...budget?.run, ...runCap } };
  }
  // Read here, with the CLI's environment, so a bad config file fails before anything runs.
  const ensembleConfig = loadEnsembleConfig({ cwd: context.cwd, env: context.env, ...(flags.provider === undefined ? {} : { provider: flags.provider }) });
  const orchestrator = new AgentOrchestrator({
    ...workflow.config,
    ...overrides,
    workflowName: workflow.name,
    ...(workflow.workflowId === undefined ? {} : { workflowId: workflow.workflowId }),
    parameters: workflow.parameters,
    agentDirs: [...context.options.agentsDir],
    workspaceDir: context.cwd,
    store: context.storePath,
    ensembleConfig,
    ...(flags.provider === undefined ? {} : { provider: flags.provider }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
  });
  orchestrator.addTasks(workflow.tasks);
  return watchRun(context, orchestrator, (running) => running.execute());
}

/** Parses a positive dollar amount (`0.50`, `2`), naming the flag when it is not one. */
function parseDollarFlag(flag: string, value: string): number {
  const parsed = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new EnsembleError('INVALID_INPUT', `${flag}: expected a positive amount of dollars such as 0.50, got "${value}"`);
  }
  return parsed;
}
