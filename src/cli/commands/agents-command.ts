import { EnsembleError } from '../../core/index.js';
import { loadAgentRegistry, resolveCliOutputFormat } from '../../agents/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, type CliContext } from '../cli-context.js';
import { renderTable, truncate } from '../format.js';

export function registerAgentsCommands(program: Command, action: ActionFactory): void {
  const agents = program.command('agents').description('agent definitions: the catalogue and your own folders');
  agents
    .command('list')
    .description('list agents')
    .option('--category <category>', 'only agents of this category')
    .action(action((context, flags: { category?: string }) => listAgents(context, flags.category)));
  agents
    .command('show')
    .description("show one agent's definition")
    .argument('<name>')
    .action(action((context, name: string) => showAgent(context, name)));
}

function registryFor(context: CliContext) {
  return loadAgentRegistry({
    agentDirs: context.options.agentsDir,
    cwd: context.cwd,
    onWarning: (message) => void context.stderr.write(`ensemble: ${message}\n`),
  });
}

async function listAgents(context: CliContext, category: string | undefined): Promise<number> {
  const agents = registryFor(context).list(category === undefined ? {} : { category });
  if (context.options.json) {
    context.printJson({ agents: agents.map(({ prompt: _prompt, ...agent }) => agent) });
    return EXIT_OK;
  }
  const rows = [['NAME', 'CATEGORY', 'RUNTIME', 'MODEL', 'DESCRIPTION']];
  for (const agent of agents) rows.push([agent.name, agent.category, agent.runtime, agent.model ?? '-', truncate(agent.description, 70)]);
  context.print(renderTable(rows, context.palette));
  return EXIT_OK;
}

async function showAgent(context: CliContext, name: string): Promise<number> {
  const agent = registryFor(context).get(name);
  if (agent === undefined) throw new EnsembleError('UNKNOWN_AGENT', `unknown agent "${name}" (see \`ensemble agents list\`)`, { details: { name } });
  if (context.options.json) {
    context.printJson(agent);
    return EXIT_OK;
  }
  const { palette } = context;
  context.print(palette.bold(agent.name));
  context.print(agent.description);
  context.print(palette.dim(`category ${agent.category} · runtime ${agent.runtime}${agent.model === undefined ? '' : ` · model ${agent.model}`} · from ${agent.source}`));
  if (agent.command !== undefined) context.print(palette.dim(`command ${JSON.stringify(agent.command)}`));
  if (agent.runtime === 'cli') context.print(palette.dim(`output ${resolveCliOutputFormat(agent)}${agent.outputFormat === undefined ? ' (inferred from the command)' : ''}`));
  if (agent.tools.length > 0) context.print(palette.dim(`tools ${agent.tools.join(', ')}`));
  context.print(`\n${agent.prompt.trim()}`);
  return EXIT_OK;
}
