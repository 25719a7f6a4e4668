import { EnsembleError } from '../../core/index.js';
import { getTemplate, listTemplates, resolveWorkflow } from '../../workflows/index.js';
import type { ActionFactory, Command } from '../action.js';
import { collect } from '../action.js';
import { EXIT_OK, type CliContext } from '../cli-context.js';
import { renderTable, truncate } from '../format.js';

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
    .description('show a template (or workflow file): parameters and task graph')
    .argument('<workflow>', 'template id or workflow file')
    .action(action((context, reference: string) => showWorkflow(context, reference)));
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

async function showWorkflow(context: CliContext, reference: string): Promise<number> {
  const template = getTemplate(reference);
  // Show the graph with placeholders for required parameters that have no default.
  const placeholders: Record<string, unknown> = {};
  for (const [name, parameter] of Object.entries(template?.parameters ?? {})) {
    if (parameter.required === true && parameter.default === undefined) placeholders[name] = `<${name}>`;
  }
  let workflow;
  try {
    workflow = resolveWorkflow(reference, { params: placeholders, cwd: context.cwd });
  } catch (error) {
    if (template === undefined) throw error;
    throw new EnsembleError('INVALID_WORKFLOW', `template "${reference}" could not be built with placeholder parameters: ${(error as Error).message}`);
  }
  if (context.options.json) {
    context.printJson({ ...(template === undefined ? {} : { template: { ...template, buildTasks: undefined } }), workflow });
    return EXIT_OK;
  }
  const { palette } = context;
  context.print(palette.bold(`${workflow.workflowId ?? reference} · ${workflow.name}`));
  if (template !== undefined) {
    context.print(template.description);
    context.print(palette.dim(`category ${template.category} · ${template.complexity} · about ${Math.round(template.estimatedDuration / 60)} min · tags ${template.tags.join(', ')}`));
    const parameters = Object.entries(template.parameters);
    if (parameters.length > 0) {
      context.print('\nParameters');
      const rows = [['NAME', 'TYPE', 'REQUIRED', 'DEFAULT', 'DESCRIPTION']];
      for (const [name, parameter] of parameters) {
        rows.push([name, parameter.type, parameter.required === true ? 'yes' : 'no', parameter.default === undefined ? '-' : JSON.stringify(parameter.default), parameter.description ?? '']);
      }
      context.print(renderTable(rows, palette));
    }
  }
  context.print('\nTasks');
  const rows = [['TASK', 'AGENT', 'PRIORITY', 'DEPENDS ON', 'DESCRIPTION']];
  for (const task of workflow.tasks) rows.push([task.id, task.agentName, String(task.priority), task.dependencies.join(', ') || '-', truncate(task.description, 60)]);
  context.print(renderTable(rows, palette));
  return EXIT_OK;
}
