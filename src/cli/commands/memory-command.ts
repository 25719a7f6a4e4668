import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EnsembleError } from '../../core/index.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { unknownAgentError } from '../../meetings/index.js';
import { openMemoryStore, type MemoryStore } from '../../store/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { formatNumber, formatTimestamp, renderTable, truncate } from '../format.js';
import { sanitizeTerminalLine } from '../terminal/index.js';

const SPEAKERS = { user: 'person', agent: 'agent', note: 'note' } as const;

export function registerMemoryCommands(program: Command, action: ActionFactory): void {
  const memory = program.command('memory').description("an agent's conversation memory (what `ensemble chat` recalls)");
  memory
    .command('list')
    .description("show an agent's most recent remembered messages, oldest first")
    .argument('<agent>')
    .option('-n, --limit <n>', 'how many entries to show', '20')
    .action(action((context, agentName: string, flags: { limit: string }) => listMemory(context, agentName, flags.limit)));
  memory
    .command('clear')
    .description('forget everything an agent remembers')
    .argument('<agent>')
    .action(action((context, agentName: string) => clearMemory(context, agentName)));
  memory
    .command('export')
    .description("write an agent's whole memory as JSON (to stdout, or to a file)")
    .argument('<agent>')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(action((context, agentName: string, flags: { output?: string }) => exportMemory(context, agentName, flags.output)));
  memory
    .command('import')
    .description('merge a file written by `memory export` into the agent\'s memory; entries it already holds are not added twice')
    .argument('<file>', 'the JSON document (`-` reads stdin)')
    .option('--agent <name>', 'import into this agent instead of the one the file was exported from')
    .action(action((context, file: string, flags: { agent?: string }) => importMemory(context, file, flags.agent)));
}

/**
 * Opens the agent memory for one agent. A name that is neither defined (registry) nor remembered
 * is a typo, not an empty memory: it is UNKNOWN_AGENT (exit 2) with a "did you mean".
 */
function withMemory<T>(context: CliContext, agentName: string, body: (store: MemoryStore) => T): T {
  const store = openMemoryStore(context.storePath);
  try {
    if (store.count(agentName) === 0) {
      const registry = loadAgentRegistry({
        agentDirs: context.options.agentsDir,
        cwd: context.cwd,
        onWarning: (message) => context.stderr.write(`ensemble: ${message}\n`),
      });
      if (!registry.has(agentName)) throw unknownAgentError(agentName, registry.list().map((agent) => agent.name));
    }
    return body(store);
  } finally {
    store.close();
  }
}

async function listMemory(context: CliContext, agentName: string, limitFlag: string): Promise<number> {
  const limit = parseIntegerFlag('--limit', limitFlag, 1, 1_000_000);
  const { total, entries } = withMemory(context, agentName, (store) => ({ total: store.count(agentName), entries: store.list(agentName, { limit }) }));
  if (context.options.json) {
    context.printJson({ agentName, total, entries });
    return EXIT_OK;
  }
  if (entries.length === 0) {
    context.print(`agent "${agentName}" remembers nothing (in ${context.storePath})`);
    return EXIT_OK;
  }
  const { palette } = context;
  const shown = entries.length < total ? `the last ${entries.length} of ${total}` : `${total}`;
  context.print(palette.bold(`${agentName} · ${shown} remembered message${total === 1 ? '' : 's'}`));
  const rows = [['#', 'WHEN', 'FROM', 'TOKENS', 'MESSAGE']];
  for (const entry of entries) {
    rows.push([String(entry.seq), formatTimestamp(entry.createdAt), SPEAKERS[entry.role], formatNumber(entry.tokens), truncate(sanitizeTerminalLine(entry.content).replace(/\s+/g, ' ').trim(), 80)]);
  }
  context.print(renderTable(rows, palette));
  return EXIT_OK;
}

async function clearMemory(context: CliContext, agentName: string): Promise<number> {
  const deleted = withMemory(context, agentName, (store) => store.clear(agentName));
  if (context.options.json) context.printJson({ agentName, deleted });
  else context.print(`agent "${agentName}" forgot ${deleted} message${deleted === 1 ? '' : 's'}`);
  return EXIT_OK;
}

async function exportMemory(context: CliContext, agentName: string, output: string | undefined): Promise<number> {
  const document = withMemory(context, agentName, (store) => store.export(agentName));
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (output === undefined) {
    context.stdout.write(text);
    return EXIT_OK;
  }
  const path = resolve(context.cwd, output);
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new EnsembleError('INVALID_INPUT', `--output "${output}": cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      details: { path },
      cause: error,
    });
  }
  if (context.options.json) context.printJson({ agentName, path, entryCount: document.entryCount });
  else context.print(`wrote ${document.entryCount} message${document.entryCount === 1 ? '' : 's'} of agent "${agentName}" to ${path}`);
  return EXIT_OK;
}

async function importMemory(context: CliContext, file: string, agentOverride: string | undefined): Promise<number> {
  const path = file === '-' ? '/dev/stdin' : resolve(context.cwd, file);
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new EnsembleError('INVALID_INPUT', `memory import: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { details: { path }, cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new EnsembleError('INVALID_INPUT', `memory import: ${path} is not JSON (${error instanceof Error ? error.message : String(error)}); expected a file written by \`ensemble memory export\``, {
      details: { path },
      cause: error,
    });
  }
  // A name typed with --agent must be a known agent (or already remembered), as for every memory command; the document's own
  // agent may be defined only on the machine it came from, so its memory is kept for when the agent is defined here.
  const report =
    agentOverride === undefined
      ? importIntoStore(context, document)
      : withMemory(context, agentOverride, (store) => store.import(document, { agentName: agentOverride }));
  if (context.options.json) {
    context.printJson({ ...report, path });
    return EXIT_OK;
  }
  context.print(
    `imported ${report.imported} of ${report.entryCount} message${report.entryCount === 1 ? '' : 's'} into the memory of agent "${report.agentName}"` +
      `${report.skipped === 0 ? '' : ` (${report.skipped} already remembered)`}; it now holds ${report.total}`,
  );
  return EXIT_OK;
}

function importIntoStore(context: CliContext, document: unknown): ReturnType<MemoryStore['import']> {
  const store = openMemoryStore(context.storePath);
  try {
    return store.import(document);
  } finally {
    store.close();
  }
}
