import { resolve } from 'node:path';
import { AgentOrchestrator, type SettingOverride } from '../../orchestrator/index.js';
import type { ActionFactory, Command } from '../action.js';
import type { CliContext } from '../cli-context.js';
import { addRunShapingOptions, FLAG_OF_SETTING, parseRunShapingFlags, type RunShapingFlags } from './run-shaping-flags.js';
import { watchRun } from './watch-run.js';
import { isJournaledMeeting, resumeMeetingRun } from './meetings-command.js';

interface ResumeFlags extends RunShapingFlags {
  readonly ignoreRemoteAgents?: boolean;
}

export function registerResumeCommand(program: Command, action: ActionFactory): void {
  const command = program
    .command('resume')
    .description(
      "continue an unfinished run: finished tasks keep their outputs, the rest run, with the run's own settings " +
        '(workspace, agent folders, provider, model, concurrency, caps); flags given here override them',
    )
    .argument('<runId>', 'the run to resume (see `ensemble runs`)');
  addRunShapingOptions(command)
    .option('--ignore-remote-agents', 'resume although agents of the crashed execution may still run on another host (only if that host is gone for good)')
    .action(action((context, runId: string, flags: ResumeFlags) => resumeRun(context, runId, flags)));
}

async function resumeRun(context: CliContext, runId: string, flags: ResumeFlags): Promise<number> {
  const shaping = parseRunShapingFlags(flags, context.cwd);
  // Only what was given here: everything else comes from the run (its workspace, not this directory).
  const agentDirs = context.options.agentsDir.map((dir) => resolve(context.cwd, dir));
  const orchestrator = new AgentOrchestrator({
    ...shaping.config,
    ...(shaping.runCap === undefined ? {} : { budget: { run: shaping.runCap } }),
    ...(shaping.provider === undefined ? {} : { provider: shaping.provider }),
    ...(shaping.model === undefined ? {} : { model: shaping.model }),
    ...(shaping.workspaceDir === undefined ? {} : { workspaceDir: shaping.workspaceDir }),
    ...(agentDirs.length === 0 ? {} : { agentDirs }),
    ...(flags.ignoreRemoteAgents === true ? { ignoreRemoteAgents: true } : {}),
    store: context.storePath,
  });
  const onOverrides = (overrides: readonly SettingOverride[]): void => {
    for (const override of overrides) context.stderr.write(`${describeOverride(override)}\n`);
  };
  // A meeting's graph grows as it runs: only its driver adds the rounds still to come.
  if (isJournaledMeeting(context, runId)) return resumeMeetingRun(context, runId, orchestrator, onOverrides);
  return watchRun(context, orchestrator, (running) => running.resume(runId, { onOverrides }));
}

/** `resume: --concurrency 50 overrides the run's 1`. */
function describeOverride(override: SettingOverride): string {
  const show = (value: unknown): string =>
    value === undefined ? 'none' : Array.isArray(value) ? value.join(', ') || 'none' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `resume: ${FLAG_OF_SETTING[override.field] ?? override.field} ${show(override.to)} overrides the run's ${show(override.from)}`;
}
