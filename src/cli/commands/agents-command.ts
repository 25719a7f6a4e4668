import { loadAgentRegistry, resolveCliOutputFormat } from '../../agents/index.js';
import { unknownAgentError } from '../../meetings/index.js';
import { PERMISSION_CEILINGS } from '../../core/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, type CliContext } from '../cli-context.js';
import { renderTable, truncate } from '../format.js';
import { sanitizeTerminalLine, sanitizeTerminalText } from '../terminal/index.js';

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
  for (const agent of agents) rows.push([agent.name, agent.category, agent.runtime, agent.model ?? '-', truncate(sanitizeTerminalLine(agent.description), 70)]);
  context.print(renderTable(rows, context.palette));
  return EXIT_OK;
}

async function showAgent(context: CliContext, name: string): Promise<number> {
  const registry = registryFor(context);
  const agent = registry.get(name);
  if (agent === undefined) throw unknownAgentError(name, registry.list().map((known) => known.name));
  if (context.options.json) {
    context.printJson(agent);
    return EXIT_OK;
  }
  const { palette } = context;
  context.print(palette.bold(agent.name));
  context.print(sanitizeTerminalLine(agent.description));
  context.print(palette.dim(`category ${agent.category} · runtime ${agent.runtime}${agent.model === undefined ? '' : ` · model ${agent.model}`} · from ${agent.source}`));
  if (agent.command !== undefined) context.print(palette.dim(`command ${JSON.stringify(agent.command)}`));
  if (agent.runtime === 'cli') {
    context.print(palette.dim(`output ${resolveCliOutputFormat(agent)}${agent.outputFormat === undefined ? ' (inferred from the command)' : ''}`));
    const permissions = agent.permissions;
    if (permissions !== undefined) {
      for (const ceiling of PERMISSION_CEILINGS) {
        const { args, env } = permissions[ceiling];
        const settings = Object.entries(env).map(([name, value]) => `${name}=${value}`);
        context.print(palette.dim(`--permissions ${ceiling}: ${[JSON.stringify(args), ...settings].join(' ')}`));
      }
    } else {
      context.print(palette.dim('--permissions: not mapped (no permissions: in the file); the CLI runs with its own defaults'));
    }
    context.print(palette.dim(`on refusal ${agent.onRefusal ?? 'fail'}`));
  }
  if (agent.tools.length > 0) context.print(palette.dim(`tools ${agent.tools.join(', ')}`));
  // Definitions come from any folder (downloaded collections): their text must not drive the terminal.
  context.print(`\n${sanitizeTerminalText(agent.prompt.trim())}`);
  return EXIT_OK;
}
