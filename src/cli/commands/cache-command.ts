import { AGENT_NAME_PATTERN, EnsembleError } from '../../core/index.js';
import type { ResultCacheEntry } from '../../store/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, type CliContext } from '../cli-context.js';
import { formatNumber } from '../format.js';
import { formatElapsed } from '../board/index.js';
import { sanitizeTerminalLine } from '../terminal/index.js';
import { outputColumns, renderFittedTable } from './fit-table.js';
import { withStore } from './runs-command.js';

interface ListFlags {
  readonly agent?: string;
}

interface ClearFlags {
  readonly agent?: string;
  readonly expired?: boolean;
}

/** Characters of a cache key shown in listings (a sha256 is 64). */
const KEY_PREFIX_CHARS = 12;

/** `cache list [--agent a]` and `cache clear [--agent a] [--expired]`: the reusable outputs of read-only tasks in this journal. */
export function registerCacheCommands(program: Command, action: ActionFactory): void {
  const cache = program.command('cache').description('the result cache: outputs of read-only tasks reused by identical tasks within their TTL (opt in with config.cache or an agent\'s cache:)');
  cache
    .command('list')
    .description('live entries, newest first: agent, model, source run/task, age, expiry, hits, tokens saved, workspace')
    .option('--agent <name>', 'only this agent\'s entries')
    .action(action((context, flags: ListFlags) => listEntries(context, flags)));
  cache
    .command('clear')
    .description('remove entries (all, one agent\'s, or only expired ones) and say how many')
    .option('--agent <name>', 'only this agent\'s entries')
    .option('--expired', 'only entries past their TTL')
    .action(action((context, flags: ClearFlags) => clearEntries(context, flags)));
}

async function listEntries(context: CliContext, flags: ListFlags): Promise<number> {
  const agentName = parseAgentFlag(flags.agent);
  const now = Date.now();
  const entries = withStore(context, (store) => store.resultCache.list(agentName === undefined ? {} : { agentName }, now));
  if (context.options.json) {
    context.printJson({ entries: entries.map((entry) => toEntryJson(entry, now)) });
    return EXIT_OK;
  }
  if (entries.length === 0) {
    context.print(agentName === undefined ? `no cached results in ${context.storePath}` : `no cached results of agent ${agentName}`);
    return EXIT_OK;
  }
  const rows = [['KEY', 'AGENT', 'MODEL', 'FROM', 'AGE', 'EXPIRES IN', 'HITS', 'SAVED', 'WORKSPACE']];
  for (const entry of entries) {
    rows.push([
      entry.key.slice(0, KEY_PREFIX_CHARS),
      entry.agentName,
      sanitizeTerminalLine(entry.model),
      `${entry.runId}/${entry.taskId}`,
      formatElapsed(Math.max(0, now - entry.createdAt)),
      formatElapsed(Math.max(0, entry.expiresAt - now)),
      String(entry.hits),
      `${formatNumber(entry.hits * entry.tokensUsed)} tok`,
      sanitizeTerminalLine(entry.workspace),
    ]);
  }
  context.print(renderFittedTable(rows, context.palette, outputColumns(context)));
  return EXIT_OK;
}

async function clearEntries(context: CliContext, flags: ClearFlags): Promise<number> {
  const agentName = parseAgentFlag(flags.agent);
  const expiredOnly = flags.expired === true;
  const removed = withStore(context, (store) => store.resultCache.clear({ ...(agentName === undefined ? {} : { agentName }), expiredOnly }, Date.now()));
  if (context.options.json) {
    context.printJson({ removed, ...(agentName === undefined ? {} : { agent: agentName }), expiredOnly });
    return EXIT_OK;
  }
  const which = [expiredOnly ? 'expired ' : '', 'cached result', removed === 1 ? '' : 's', agentName === undefined ? '' : ` of agent ${agentName}`].join('');
  context.print(`removed ${formatNumber(removed)} ${which}`);
  return EXIT_OK;
}

/** The `--agent` value, checked: a name that can never match is a typo to report (exit 2), not an empty listing. */
function parseAgentFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!AGENT_NAME_PATTERN.test(value)) {
    throw new EnsembleError('INVALID_INPUT', `--agent: "${value}" is not an agent name (letters, digits, "-" or "_")`, { details: { flag: '--agent', value } });
  }
  return value;
}

function toEntryJson(entry: ResultCacheEntry, now: number) {
  const { output: _output, ...listed } = entry;
  return { ...listed, ageMs: Math.max(0, now - entry.createdAt), expiresInMs: Math.max(0, entry.expiresAt - now), tokensSaved: entry.hits * entry.tokensUsed };
}
