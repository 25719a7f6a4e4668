import { EnsembleError, type InputIssue } from '../../core/index.js';
import { PHASE_NAME_PATTERN, routeTask, TASK_TYPES, toRoutedWorkflow, type RoutePhaseInput, type RoutePlan, type TaskGraphView } from '../../workflows/index.js';
import { collect, type ActionFactory, type Command } from '../action.js';
import { EXIT_OK, type CliContext } from '../cli-context.js';
import { sanitizeTerminalLine } from '../terminal/index.js';
import { renderTaskGraph } from './render-task-graph.js';
import { runResolvedWorkflow } from './run-resolved-workflow.js';
import { addRunShapingOptions, type RunShapingFlags } from './run-shaping-flags.js';
import { checkTaskGraph } from './workflows-command.js';

interface RouteFlags extends RunShapingFlags {
  readonly agents: string[];
  readonly phase: string[];
  readonly consolidate: boolean;
  readonly consolidator?: string;
  readonly notes?: string;
  readonly dryRun?: boolean;
}

export function registerRouteCommand(program: Command, action: ActionFactory): void {
  const command = program
    .command('route')
    .description(
      'plan a task by its type and run it: parallel (code_review, documentation, testing, refactoring: agents at once, then a consolidation), ' +
        'sequential (feature, bugfix, optimization: a chain) or hybrid (--phase, in order, parallel within a phase)',
    )
    .argument('<type>', `task type: ${TASK_TYPES.join(', ')}`)
    .argument('<description...>', 'the task, told to every agent')
    .option('--agents <a,b,c>', "agents instead of the type's default roles: at once (parallel types) or in order (sequential ones); repeatable", collect, [])
    .option('--phase <name:a,b>', 'hybrid: a phase and its agents, run side by side after the phase before (repeatable, in order)', collect, [])
    .option('--no-consolidate', 'parallel types: leave out the consolidation step')
    .option('--consolidator <agent>', "parallel types: the agent that consolidates, instead of the type's default")
    .option('--notes <text>', 'notes told to every agent: where the code is, constraints, conventions')
    .option('--dry-run', 'print the plan (its task graph) and the checks `run` makes, without running it');
  addRunShapingOptions(command, 'here').action(action((context, type: string, description: string[], flags: RouteFlags) => route(context, type, description, flags)));
}

async function route(context: CliContext, type: string, descriptionWords: readonly string[], flags: RouteFlags): Promise<number> {
  const agents = splitList(flags.agents);
  const plan = routeTask({
    type,
    description: descriptionWords.join(' '),
    ...(agents.length === 0 ? {} : { agents }),
    ...(flags.phase.length === 0 ? {} : { phases: parsePhaseFlags(flags.phase) }),
    consolidate: flags.consolidate,
    ...(flags.consolidator === undefined ? {} : { consolidator: flags.consolidator }),
    ...(flags.notes === undefined ? {} : { context: flags.notes }),
  });
  const workflow = toRoutedWorkflow(plan);
  if (flags.dryRun === true) {
    const graph = checkTaskGraph(context, workflow.tasks);
    if (context.options.json) {
      const { request: _request, tasks: _tasks, ...summary } = plan;
      context.printJson({ plan: summary, workflow, graph });
    } else {
      printPlan(context, plan, graph);
    }
    return EXIT_OK;
  }
  return runResolvedWorkflow(context, workflow, flags);
}

function printPlan(context: CliContext, plan: RoutePlan, graph: TaskGraphView): void {
  const { palette } = context;
  context.print(palette.bold(`route ${plan.type} · ${plan.mode} · ${plan.tasks.length} task${plan.tasks.length === 1 ? '' : 's'}`));
  context.print(sanitizeTerminalLine(plan.description));
  context.print(palette.dim(`up to ${plan.config.maxParallelAgents ?? 1} at once unless --concurrency says otherwise`));
  context.print();
  for (const line of renderTaskGraph(graph, { palette, ...(context.stdout.columns === undefined ? {} : { width: context.stdout.columns }) })) context.print(line);
  context.print();
  context.print(palette.dim('dry run: nothing was run (without --dry-run, the same command runs this plan)'));
}

/** `--agents a,b --agents c` → `[a, b, c]`; blanks dropped. */
function splitList(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',')).map((item) => item.trim()).filter((item) => item !== '');
}

/** `--phase "build:backend-architect,frontend-developer"` → `{name: 'build', agents: [...]}`; the router checks names and agents. */
function parsePhaseFlags(values: readonly string[]): RoutePhaseInput[] {
  const issues: InputIssue[] = [];
  const phases = values.map((value): RoutePhaseInput => {
    const separator = value.indexOf(':');
    const name = separator === -1 ? '' : value.slice(0, separator).trim();
    const agents = separator === -1 ? [] : splitList([value.slice(separator + 1)]);
    if (separator === -1 || name === '' || agents.length === 0) {
      issues.push({ path: '--phase', message: `"${value}" is not name:agent1,agent2 (a phase name, a colon, then its agents)` });
    } else if (!PHASE_NAME_PATTERN.test(name)) {
      issues.push({ path: '--phase', message: `"${name}": a phase name is 1-64 letters, digits, "-" or "_", starting with a letter or digit` });
    }
    return { name, agents };
  });
  if (issues.length > 0) throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
  return phases;
}
