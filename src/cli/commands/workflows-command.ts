import { assertValidGraph, validateGraph, type TaskSpec } from '../../core/index.js';
import { inProcessAgents, loadAgentRegistry } from '../../agents/index.js';
import { describeTaskGraph, getTemplate, listTemplates, resolveWorkflow, suggestName, type ResolvedWorkflow, type TaskGraphView, type WorkflowParameter, type WorkflowTemplate } from '../../workflows/index.js';
import type { ActionFactory, Command } from '../action.js';
import { collect } from '../action.js';
import { EXIT_OK, type CliContext } from '../cli-context.js';
import { renderTable, truncate } from '../format.js';
import { sanitizeTerminalLine } from '../terminal/index.js';
import { renderTaskGraph } from './render-task-graph.js';

export function registerWorkflowsCommands(program: Command, action: ActionFactory): void {
  const workflows = program.command('workflows').description('built-in workflow templates');
  workflows
    .command('list')
    .description('list the workflow templates (--json: {workflows: [{id, name, description, category, tags, estimatedDuration, complexity}]})')
    .option('--category <category>', 'only templates of this category')
    .option('--tag <tag>', 'only templates with this tag (repeatable: all must match)', collect, [])
    .action(action((context, flags: { category?: string; tag: string[] }) => listWorkflows(context, flags)));
  workflows
    .command('show')
    .description('show a template or workflow file: description, parameters and task graph, checked as `run` would check it (--json: template, workflow and graph {nodes, edges, levels})')
    .argument('<workflow>', 'template id or workflow file')
    .option('-p, --param <key=value>', 'parameter value, to show the tasks as they would run (repeatable)', collect, [])
    .action(action((context, reference: string, flags: { param: string[] }) => showWorkflow(context, reference, flags.param)));
}

async function listWorkflows(context: CliContext, flags: { category?: string; tag: string[] }): Promise<number> {
  const workflows = listTemplates({ ...(flags.category === undefined ? {} : { category: flags.category }), tags: flags.tag });
  if (context.options.json) {
    context.printJson({ workflows });
    return EXIT_OK;
  }
  if (workflows.length === 0) {
    context.print('no workflow templates match');
    return EXIT_OK;
  }
  const rows = [['ID', 'CATEGORY', 'COMPLEXITY', 'EST.', 'TAGS', 'DESCRIPTION']];
  for (const workflow of workflows) {
    rows.push([workflow.id, workflow.category, workflow.complexity, `${Math.round(workflow.estimatedDuration / 60)}m`, workflow.tags.join(','), truncate(workflow.description, 70)]);
  }
  context.print(renderTable(rows, context.palette));
  return EXIT_OK;
}

/**
 * Shows a template or a workflow file the same way: what `run` would run with these parameters
 * (required ones not given appear as `<name>`), after the same checks (cycles, unknown
 * dependencies and agents exit 2), so a broken file is found before it is run.
 */
async function showWorkflow(context: CliContext, reference: string, paramFlags: readonly string[]): Promise<number> {
  const workflow = resolveWorkflow(reference, { paramFlags, cwd: context.cwd, missingRequired: 'placeholder' });
  const graph = checkTaskGraph(context, workflow.tasks);
  const template = getTemplate(reference);
  if (context.options.json) {
    // `workflow` is the library's ResolvedWorkflow: `parameters` holds the values, `parameterSchema` the declarations.
    context.printJson({ ...(template === undefined ? {} : { template: toTemplateJson(template) }), workflow, graph });
    return EXIT_OK;
  }
  printWorkflow(context, reference, workflow, template === undefined ? undefined : { complexity: template.complexity, estimatedDurationS: template.estimatedDuration });
  context.print();
  for (const line of renderTaskGraph(graph, { palette: context.palette, ...(context.stdout.columns === undefined ? {} : { width: context.stdout.columns }) })) context.print(line);
  return EXIT_OK;
}

/**
 * The graph of tasks as `run` would check it (cycles, unknown dependencies, unknown agents with
 * "did you mean": exit 2), as nodes, edges and levels. Shared with `route --dry-run`.
 */
export function checkTaskGraph(context: CliContext, tasks: readonly TaskSpec[]): TaskGraphView {
  const registry = loadAgentRegistry({
    agentDirs: context.options.agentsDir,
    cwd: context.cwd,
    onWarning: (message) => context.stderr.write(`ensemble: ${message}\n`),
  });
  const validation = validateGraph(tasks, {
    // In-process agents count as `run` counts them: the built-in findings-consolidator, library registrations.
    isKnownAgent: (name) => registry.has(name) || inProcessAgents().has(name),
    suggestAgent: (name) => suggestName(name, [...inProcessAgents().keys(), ...registry.list().map((agent) => agent.name)]),
  });
  return describeTaskGraph(assertValidGraph(validation));
}

function printWorkflow(context: CliContext, reference: string, workflow: ResolvedWorkflow, template: { complexity: string; estimatedDurationS: number } | undefined): void {
  const { palette } = context;
  context.print(palette.bold(`${workflow.workflowId ?? reference} · ${sanitizeTerminalLine(workflow.name)}`));
  if (workflow.description !== undefined) context.print(sanitizeTerminalLine(workflow.description));
  const facts = [
    workflow.category === undefined ? undefined : `category ${sanitizeTerminalLine(workflow.category)}`,
    template === undefined ? undefined : `${template.complexity} · about ${Math.round(template.estimatedDurationS / 60)} min`,
    workflow.tags === undefined || workflow.tags.length === 0 ? undefined : `tags ${sanitizeTerminalLine(workflow.tags.join(', '))}`,
    workflow.source === 'builtin' ? 'built in' : workflow.source === 'route' ? 'routed' : `file ${workflow.source}`,
  ].filter((fact) => fact !== undefined);
  context.print(palette.dim(facts.join(' · ')));
  const parameters = Object.entries(workflow.parameterSchema ?? {});
  if (parameters.length > 0) {
    context.print('\nParameters');
    const rows = [['NAME', 'TYPE', 'REQUIRED', 'DEFAULT', 'VALUE', 'DESCRIPTION']];
    for (const [name, parameter] of parameters) {
      const value = Object.hasOwn(workflow.parameters, name) ? workflow.parameters[name] : undefined;
      rows.push([
        name,
        describeType(parameter),
        parameter.required === true ? 'yes' : 'no',
        parameter.default === undefined ? '-' : truncate(sanitizeTerminalLine(JSON.stringify(parameter.default)), 30),
        value === undefined ? '-' : truncate(sanitizeTerminalLine(typeof value === 'string' ? value : JSON.stringify(value)), 30),
        sanitizeTerminalLine(parameter.description ?? ''),
      ]);
    }
    context.print(renderTable(rows, palette));
  }
}

/** `integer 1-100` for a bounded number; the declared type otherwise (allowed values are in the description). */
function describeType(parameter: WorkflowParameter): string {
  if (parameter.minimum !== undefined && parameter.maximum !== undefined) return `${parameter.type} ${parameter.minimum}-${parameter.maximum}`;
  if (parameter.minimum !== undefined) return `${parameter.type} >=${parameter.minimum}`;
  if (parameter.maximum !== undefined) return `${parameter.type} <=${parameter.maximum}`;
  return parameter.type;
}

/** The template as data: its metadata, config and parameter declarations, without the build function or the zod schema. */
function toTemplateJson(template: WorkflowTemplate): Record<string, unknown> {
  const { buildTasks: _buildTasks, parameterSchema: _parameterSchema, ...data } = template;
  return data;
}
