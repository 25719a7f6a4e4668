import { resolve } from 'node:path';
import type { Command } from 'commander';
import { contextStrategySchema, EnsembleError, type RunConfigInput } from '../../core/index.js';
import { loadEnsembleConfig, PROVIDER_NAMES, providerNameSchema } from '../../config/index.js';
import { AgentOrchestrator } from '../../orchestrator/index.js';
import { resolveWorkflow } from '../../workflows/index.js';
import { collect, type ActionFactory } from '../action.js';
import { parseDollarFlag, parseIntegerFlag, type CliContext } from '../cli-context.js';
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
  readonly workspace?: string;
}

export function registerRunCommand(program: Command, action: ActionFactory): void {
  program
    .command('run')
    .description('run a workflow: a built-in template id, or a .yaml/.json workflow file')
    .argument('<workflow>', 'template id (see `ensemble workflows list`) or path to a workflow file')
    .option('-p, --param <key=value>', 'workflow parameter (repeatable; a name may repeat only for an array parameter)', collect, [])
    .option('--provider <name>', `model provider for llm agents: ${PROVIDER_NAMES.join(', ')} (default: from ensemble.config.yaml or the environment)`)
    .option('--model <model>', 'model for llm agents: a tier (haiku, sonnet, opus, fast, balanced, best) or provider:model')
    .option('-c, --concurrency <n>', 'maximum agents running at once (1-1000)')
    .option('--context <strategy>', 'context strategy: shared, isolated or hierarchical')
    .option('--timeout <ms>', 'global timeout for the whole run, in ms')
    .option('--max-tokens <n>', 'token cap for the whole run: no model call starts that could cross it')
    .option('--max-cost <usd>', 'dollar cap for the whole run: no model call starts that could cross it')
    .option('--workspace <dir>', 'folder the agents work in (cwd of command and cli agents; ./agents and ensemble.config.yaml are read there; default: here)')
    .action(action((context, reference: string, flags: RunFlags) => runWorkflow(context, reference, flags)));
}

async function runWorkflow(context: CliContext, reference: string, flags: RunFlags): Promise<number> {
  const workflow = resolveWorkflow(reference, { paramFlags: flags.param, cwd: context.cwd });
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
  // Kept with the run as absolute paths, so `resume` from any directory works in the same tree.
  const workspaceDir = resolve(context.cwd, flags.workspace ?? '.');
  // Read here, with the CLI's environment, so a bad config file fails before anything runs.
  const ensembleConfig = loadEnsembleConfig({ cwd: workspaceDir, env: context.env, ...(flags.provider === undefined ? {} : { provider: flags.provider }) });
  const orchestrator = new AgentOrchestrator({
    ...workflow.config,
    ...overrides,
    workflowName: workflow.name,
    ...(workflow.workflowId === undefined ? {} : { workflowId: workflow.workflowId }),
    parameters: workflow.parameters,
    agentDirs: context.options.agentsDir.map((dir) => resolve(context.cwd, dir)),
    workspaceDir,
    store: context.storePath,
    ensembleConfig,
    ...(flags.provider === undefined ? {} : { provider: flags.provider }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
  });
  orchestrator.addTasks(workflow.tasks);
  return watchRun(context, orchestrator, (running) => running.execute());
}
