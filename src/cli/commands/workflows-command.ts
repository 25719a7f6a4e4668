import { assertValidGraph, validateGraph } from '../../core/index.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { getTemplate, listTemplates, resolveWorkflow, type ResolvedWorkflow } from '../../workflows/index.js';
import type { ActionFactory, Command } from '../action.js';
import { collect } from '../action.js';
import { EXIT_OK, type CliContext } from '../cli-context.js';
import { renderTable, truncate } from '../format.js';
import { sanitizeTerminalLine } from '../terminal/index.js';

export function registerWorkflowsCommands(program: Command, action: ActionFactory): void {
  const workflows = program.command('workflows').description('built-in workflow templates');
  workflows
    .command('list')
    .description('list the workflow templates')
    .option('--category <category>', 'only templates of this category')
    .option('--tag <tag>', 'only templates with this tag (repeatable: all must match)', collect, [])
    .action(action((context, flags: { category?: string; tag: string[] }) => listWorkflows(context, flags)));
  workflows
    .command('show')
    .description('show a template or workflow file: description, parameters and task graph, checked as `run` would check it')
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
  const registry = loadAgentRegistry({
    agentDirs: context.options.agentsDir,
    cwd: context.cwd,
    onWarning: (message) => context.stderr.write(`ensemble: ${message}\n`),
  });
  assertValidGraph(validateGraph(workflow.tasks, { isKnownAgent: (name) => registry.has(name) }));
  const template = getTemplate(reference);
  if (context.options.json) {
    // `workflow` is the library's ResolvedWorkflow: `parameters` holds the values, `parameterSchema` the declarations.
    context.printJson({ ...(template === undefined ? {} : { template: toTemplateJson(template) }), workflow });
    return EXIT_OK;
  }
  printWorkflow(context, reference, workflow, template === undefined ? undefined : { complexity: template.complexity, estimatedDurationS: template.estimatedDuration });
  return EXIT_OK;
}

function printWorkflow(context: CliContext, reference: string, workflow: ResolvedWorkflow, template: { complexity: string; estimatedDurationS: number } | undefined): void {
  const { palette } = context;
  context.print(palette.bold(`${workflow.workflowId ?? reference} · ${sanitizeTerminalLine(workflow.name)}`));
  if (workflow.description !== undefined) context.print(sanitizeTerminalLine(workflow.description));
  const facts = [
    workflow.category === undefined ? undefined : `category ${sanitizeTerminalLine(workflow.category)}`,
    template === undefined ? undefined : `${template.complexity} · about ${Math.round(template.estimatedDurationS / 60)} min`,
    workflow.tags === undefined || workflow.tags.length === 0 ? undefined : `tags ${sanitizeTerminalLine(workflow.tags.join(', '))}`,
    workflow.source === 'builtin' ? 'built in' : `file ${workflow.source}`,
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
        parameter.type,
        parameter.required === true ? 'yes' : 'no',
        parameter.default === undefined ? '-' : truncate(sanitizeTerminalLine(JSON.stringify(parameter.default)), 30),
        value === undefined ? '-' : truncate(sanitizeTerminalLine(typeof value === 'string' ? value : JSON.stringify(value)), 30),
        sanitizeTerminalLine(parameter.description ?? ''),
      ]);
    }
    context.print(renderTable(rows, palette));
  }
  context.print('\nTasks');
  const rows = [['TASK', 'AGENT', 'PRIORITY', 'DEPENDS ON', 'DESCRIPTION']];
  for (const task of workflow.tasks) {
    rows.push([task.id, task.agentName, String(task.priority), task.dependencies.join(', ') || '-', truncate(sanitizeTerminalLine(task.description), 60)]);
  }
  context.print(renderTable(rows, palette));
}

function toTemplateJson(template: NonNullable<ReturnType<typeof getTemplate>>): Record<string, unknown> {
  const { buildTasks: _buildTasks, ...data } = template;
  return data;
}
