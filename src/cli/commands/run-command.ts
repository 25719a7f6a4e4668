import type { Command } from 'commander';
import { EnsembleError } from '../../core/index.js';
import { resolveWorkflow } from '../../workflows/index.js';
import { collect, type ActionFactory } from '../action.js';
import type { CliContext } from '../cli-context.js';
import { parseAgentSubstitutions, substituteAgents } from './agent-substitutions.js';
import { addRunShapingOptions, type RunShapingFlags } from './run-shaping-flags.js';
import { runResolvedWorkflow } from './run-resolved-workflow.js';
import { withMeetingMinutes } from './meeting-command.js';

interface RunFlags extends RunShapingFlags {
  readonly param: string[];
  readonly agent: string[];
  readonly withMeeting: string[];
  readonly format?: string;
}

export function registerRunCommand(program: Command, action: ActionFactory): void {
  const command = program
    .command('run')
    .description('run a workflow: a built-in template id, or a .yaml/.json workflow file')
    .argument('<workflow>', 'template id (see `ensemble workflows list`) or path to a workflow file')
    .option('-p, --param <key=value>', 'workflow parameter (repeatable; a name may repeat only for an array parameter)', collect, [])
    .option('--agent <role=agent>', "run the workflow's tasks of agent ROLE on AGENT instead, e.g. developer=claude-code (repeatable)", collect, [])
    .option('--with-meeting <runId>', "put a meeting's minutes (summary, decisions, action items) before every task's prompt (repeatable)", collect, [])
    .option('--format <format>', "the report's format, for workflows with a `format` parameter (code-review-swarm): markdown or json; printed whole at the end");
  addRunShapingOptions(command, 'here').action(action((context, reference: string, flags: RunFlags) => runWorkflow(context, reference, flags)));
}

async function runWorkflow(context: CliContext, reference: string, flags: RunFlags): Promise<number> {
  const workflow = resolveWorkflow(reference, { paramFlags: withFormatParam(flags), cwd: context.cwd });
  const tasks = withMeetingMinutes(context, substituteAgents(workflow.tasks, parseAgentSubstitutions(flags.agent)), flags.withMeeting);
  // A report asked for by --format is the run's product: printed whole, not cut at 40 lines.
  return runResolvedWorkflow(context, workflow, flags, { tasks, ...(flags.format === undefined ? {} : { outputLines: Number.POSITIVE_INFINITY }) });
}

/**
 * `--format F` is `--param format=F`: the workflow's own parameter checks the value (exit 2 naming
 * `parameters.format`), and a workflow without one says it has no such parameter.
 */
function withFormatParam(flags: RunFlags): string[] {
  if (flags.format === undefined) return flags.param;
  if (flags.param.some((flag) => flag.split('=')[0]?.trim() === 'format')) {
    throw new EnsembleError('INVALID_INPUT', '--format and --param format=… both set the report format; give one of them');
  }
  return [...flags.param, `format=${flags.format}`];
}
