import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadEnsembleConfig } from '../../config/index.js';
import { AgentOrchestrator } from '../../orchestrator/index.js';
import { resolveWorkflow } from '../../workflows/index.js';
import { collect, type ActionFactory } from '../action.js';
import type { CliContext } from '../cli-context.js';
import { parseAgentSubstitutions, substituteAgents } from './agent-substitutions.js';
import { addRunShapingOptions, parseRunShapingFlags, type RunShapingFlags } from './run-shaping-flags.js';
import { watchRun } from './watch-run.js';

interface RunFlags extends RunShapingFlags {
  readonly param: string[];
  readonly agent: string[];
}

export function registerRunCommand(program: Command, action: ActionFactory): void {
  const command = program
    .command('run')
    .description('run a workflow: a built-in template id, or a .yaml/.json workflow file')
    .argument('<workflow>', 'template id (see `ensemble workflows list`) or path to a workflow file')
    .option('-p, --param <key=value>', 'workflow parameter (repeatable; a name may repeat only for an array parameter)', collect, [])
    .option('--agent <role=agent>', "run the workflow's tasks of agent ROLE on AGENT instead, e.g. developer=claude-code (repeatable)", collect, []);
  addRunShapingOptions(command, 'here').action(action((context, reference: string, flags: RunFlags) => runWorkflow(context, reference, flags)));
}

async function runWorkflow(context: CliContext, reference: string, flags: RunFlags): Promise<number> {
  const workflow = resolveWorkflow(reference, { paramFlags: flags.param, cwd: context.cwd });
  const shaping = parseRunShapingFlags(flags, context.cwd);
  const tasks = substituteAgents(workflow.tasks, parseAgentSubstitutions(flags.agent));
  const budget = workflow.config.budget;
  // Kept with the run as absolute paths, so `resume` from any directory works in the same tree.
  const workspaceDir = shaping.workspaceDir ?? resolve(context.cwd);
  // Read here, with the CLI's environment, so a bad config file fails before anything runs.
  const ensembleConfig = loadEnsembleConfig({ cwd: workspaceDir, env: context.env, ...(shaping.provider === undefined ? {} : { provider: shaping.provider }) });
  const orchestrator = new AgentOrchestrator({
    ...workflow.config,
    ...shaping.config,
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
  });
  orchestrator.addTasks(tasks);
  return watchRun(context, orchestrator, (running) => running.execute());
}
