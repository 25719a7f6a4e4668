import { EnsembleError, isEnsembleError, type RunEvent } from '../../core/index.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { unknownAgentError } from '../../meetings/index.js';
import { parseCommandLine } from '../../codebase/index.js';
import { TICKET_STATUSES, openRunStore, type TicketInput, type TicketRecord, type TicketStatus } from '../../store/index.js';
import { isOwnerAlive } from '../../host/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { formatTimestamp, type Palette } from '../format.js';
import { sanitizeTerminalLine, sanitizeTerminalText } from '../terminal/index.js';
import { createBoardReader, isUnicodeTerminal, watchTicketBoard } from '../board/index.js';
import { outputColumns, renderFittedTable } from './fit-table.js';
import { withStore } from './runs-command.js';
import { describeTicketEvent, ticketEventsOf } from './ticket-events.js';

interface AddFlags {
  readonly description?: string;
  readonly priority?: string;
  readonly depends?: string;
  readonly files?: string;
  readonly labels?: string;
  readonly capability?: string;
  readonly agent?: string;
  readonly verify?: string;
}

interface WatchFlags {
  readonly once?: boolean;
  readonly intervalMs: string;
}

/** Frames of `tickets watch` on a pipe are this wide unless COLUMNS says otherwise. */
const PIPE_COLUMNS = 80;

/**
 * `tickets add|list|show|watch`. `extraSubcommands` adds more subcommands to `tickets` (the
 * ticket runner registers `tickets run` there), after these four.
 */
export function registerTicketsCommands(program: Command, action: ActionFactory, extraSubcommands?: (tickets: Command) => void): void {
  const tickets = program.command('tickets').description("the repository's ticket queue: add, list, show, watch (and run) tickets");
  tickets
    .command('add')
    .description('queue a ticket; prints its id (T-<n>)')
    .argument('<title>', 'one line saying what to do')
    .option('--description <text>', 'what the agent should know: the details, the acceptance criteria')
    .option('--priority <n>', 'from 1 (lowest) to 10; higher ones are assigned first', '5')
    .option('--depends <ids>', 'tickets that must be done first: T-1,T-2')
    .option('--files <globs>', "paths and globs it will touch: 'src/auth/**,README.md'")
    .option('--labels <labels>', 'labels: x,y')
    .option('--capability <name>', 'what the member that works it must be able to do')
    .option('--agent <name>', 'the agent that must work it')
    .option('--verify <command>', "a command that must succeed after the change, run without a shell (e.g. 'npm test')")
    .action(action((context, title: string, flags: AddFlags) => addTicket(context, title, flags)));
  tickets
    .command('list')
    .description('list tickets, highest priority first')
    .option('--status <status>', `only tickets in this state (${TICKET_STATUSES.join(', ')})`)
    .action(action((context, flags: { status?: string }) => listTickets(context, flags.status)));
  tickets
    .command('show')
    .description('show one ticket and what its run journaled about it (assignments, leases, escalations, commits)')
    .argument('<id>', 'the ticket: T-<n>')
    .action(action((context, id: string) => showTicket(context, id)));
  tickets
    .command('watch')
    .description('the live board: who works which ticket, escalations, reviews and metrics (Ctrl-C to stop)')
    .option('--once', 'print one frame and exit')
    .option('--interval-ms <n>', 'time between frames', '1000')
    .action(action((context, flags: WatchFlags) => watchTickets(context, flags)));
  extraSubcommands?.(tickets);
}

/** Splits a comma list, trimming and dropping empty items; commas inside `{…}` belong to a glob (`src/{a,b}/**`). */
export function splitList(value: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of value) {
    if (character === '{') depth++;
    if (character === '}') depth = Math.max(0, depth - 1);
    if (character === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else current += character;
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** Checks every flag of `tickets add` and builds the store's input; INVALID_INPUT naming the flag. */
export function toTicketInput(title: string, flags: AddFlags, knownTicket: (id: string) => boolean): TicketInput {
  const trimmed = title.trim();
  if (trimmed === '') throw new EnsembleError('INVALID_INPUT', '<title>: must not be empty');
  if (trimmed.length > 200) throw new EnsembleError('INVALID_INPUT', `<title>: at most 200 characters (got ${trimmed.length}); put the details in --description`);
  const priority = flags.priority === undefined ? 5 : parsePriority(flags.priority);
  const dependencies = flags.depends === undefined ? [] : splitList(flags.depends);
  for (const dependency of dependencies) {
    if (!/^T-[1-9]\d*$/.test(dependency)) throw new EnsembleError('INVALID_INPUT', `--depends: "${dependency}" is not a ticket id such as T-1`, { details: { flag: '--depends', value: dependency } });
    if (!knownTicket(dependency)) throw new EnsembleError('INVALID_INPUT', `--depends: unknown ticket "${dependency}" (see \`ensemble tickets list\`)`, { details: { flag: '--depends', value: dependency } });
  }
  const files = flags.files === undefined ? [] : splitList(flags.files);
  for (const file of files) {
    if (file.startsWith('/') || file.split('/').includes('..')) {
      throw new EnsembleError('INVALID_INPUT', `--files: "${file}" must be relative to the repository and stay inside it`, { details: { flag: '--files', value: file } });
    }
  }
  const labels = flags.labels === undefined ? [] : splitList(flags.labels);
  const verify = flags.verify === undefined ? undefined : parseCommandLine(flags.verify, '--verify');
  if (verify !== undefined && verify.length === 0) throw new EnsembleError('INVALID_INPUT', '--verify: expected a command such as "npm test"', { details: { flag: '--verify' } });
  const capability = flags.capability?.trim();
  if (capability === '') throw new EnsembleError('INVALID_INPUT', '--capability: must not be empty');
  return {
    title: trimmed,
    ...(flags.description === undefined ? {} : { description: flags.description }),
    priority,
    dependencies,
    files,
    labels,
    ...(capability === undefined ? {} : { capability }),
    ...(flags.agent === undefined ? {} : { agent: flags.agent }),
    ...(verify === undefined ? {} : { verify }),
  };
}

function parsePriority(value: string): number {
  try {
    return parseIntegerFlag('--priority', value, 1, 10);
  } catch (error) {
    if (!isEnsembleError(error)) throw error;
    throw new EnsembleError('INVALID_INPUT', `--priority: must be 1-10, got "${value}"`, { details: { flag: '--priority', value } });
  }
}

async function addTicket(context: CliContext, title: string, flags: AddFlags): Promise<number> {
  if (flags.agent !== undefined) {
    const registry = loadAgentRegistry({
      agentDirs: context.options.agentsDir,
      cwd: context.cwd,
      onWarning: (message) => void context.stderr.write(`ensemble: ${message}\n`),
    });
    if (registry.get(flags.agent) === undefined) {
      const error = unknownAgentError(flags.agent, registry.list().map((agent) => agent.name));
      throw new EnsembleError('UNKNOWN_AGENT', `--agent: ${error.message}`, { ...(error.details === undefined ? {} : { details: error.details }) });
    }
  }
  const ticket = withStore(context, (store) => {
    const input = toTicketInput(title, flags, (id) => store.codebase.getTicket(id) !== undefined);
    return store.codebase.addTicket(input, Date.now());
  });
  if (context.options.json) context.printJson(ticket);
  else context.print(ticket.id);
  return EXIT_OK;
}

function parseStatus(value: string | undefined): TicketStatus | undefined {
  if (value === undefined) return undefined;
  if (!(TICKET_STATUSES as readonly string[]).includes(value)) {
    throw new EnsembleError('INVALID_INPUT', `--status: expected one of ${TICKET_STATUSES.join(', ')}, got "${value}"`, { details: { flag: '--status', value } });
  }
  return value as TicketStatus;
}

async function listTickets(context: CliContext, statusFlag: string | undefined): Promise<number> {
  const status = parseStatus(statusFlag);
  const tickets = withStore(context, (store) => store.codebase.listTickets(status === undefined ? {} : { status }));
  if (context.options.json) {
    context.printJson({ tickets });
    return EXIT_OK;
  }
  if (tickets.length === 0) {
    context.print(status === undefined ? 'no tickets (add one: ensemble tickets add "<title>")' : `no ${status} tickets`);
    return EXIT_OK;
  }
  const { palette } = context;
  const rows = [['ID', 'PRI', 'STATUS', 'ASSIGNEE', 'TITLE']];
  for (const ticket of tickets) rows.push([ticket.id, String(ticket.priority), ticketStatusColour(ticket.status, palette), ticket.assignee ?? '-', sanitizeTerminalLine(ticket.title)]);
  context.print(renderFittedTable(rows, palette, outputColumns(context)));
  return EXIT_OK;
}

/** A ticket status in its colour: green done, cyan in progress, yellow waiting or in review, red failed or rejected. */
export function ticketStatusColour(status: TicketStatus, palette: Palette): string {
  if (status === 'done') return palette.green(status);
  if (status === 'in-progress') return palette.cyan(status);
  if (status === 'waiting' || status === 'review') return palette.yellow(status);
  if (status === 'queued' || status === 'cancelled') return status;
  return palette.red(status);
}

/** Looks a ticket up, NOT_FOUND (exit 2) naming it when there is none. */
export function requireTicket(ticket: TicketRecord | undefined, id: string, storePath: string): TicketRecord {
  if (ticket === undefined) throw new EnsembleError('NOT_FOUND', `unknown ticket "${id}" in ${storePath} (see \`ensemble tickets list\`)`, { details: { ticketId: id } });
  return ticket;
}

async function showTicket(context: CliContext, id: string): Promise<number> {
  const { ticket, events } = withStore(context, (store) => {
    const found = requireTicket(store.codebase.getTicket(id), id, context.storePath);
    const runEvents: readonly RunEvent[] = found.runId === undefined || store.getRun(found.runId) === undefined ? [] : store.readEvents(found.runId);
    return { ticket: found, events: ticketEventsOf(runEvents, found.id) };
  });
  if (context.options.json) {
    context.printJson({ ticket, events });
    return EXIT_OK;
  }
  const { palette } = context;
  const field = (name: string, value: string): void => context.print(`${name.padEnd(11)}${value}`);
  context.print(palette.bold(`${ticket.id} · ${sanitizeTerminalLine(ticket.title)}`));
  field('status', `${ticketStatusColour(ticket.status, palette)} · priority ${ticket.priority} · ${ticket.attempts} attempt${ticket.attempts === 1 ? '' : 's'}`);
  if (ticket.assignee !== undefined) field('assignee', ticket.assignee);
  if (ticket.dependencies.length > 0) field('depends on', ticket.dependencies.join(', '));
  if (ticket.files.length > 0) field('files', ticket.files.join(', '));
  if (ticket.labels.length > 0) field('labels', ticket.labels.join(', '));
  if (ticket.capability !== undefined) field('capability', ticket.capability);
  if (ticket.agent !== undefined) field('agent', ticket.agent);
  if (ticket.verify !== undefined) field('verify', ticket.verify.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : JSON.stringify(word))).join(' '));
  if (ticket.flags.length > 0) field('flags', palette.yellow(ticket.flags.join(', ')));
  if (ticket.runId !== undefined) field('run', ticket.runId);
  if (ticket.branch !== undefined) field('branch', ticket.branch);
  if (ticket.reviewId !== undefined) field('review', ticket.reviewId);
  field('created', formatTimestamp(ticket.createdAt));
  if (ticket.startedAt !== undefined) field('started', formatTimestamp(ticket.startedAt));
  if (ticket.finishedAt !== undefined) field('finished', formatTimestamp(ticket.finishedAt));
  if (ticket.lastError !== undefined) context.print(palette.red(`${'last error'.padEnd(11)}${ticket.lastError.code}: ${sanitizeTerminalText(ticket.lastError.message)}`));
  if (ticket.description !== '') context.print(`\n${sanitizeTerminalText(ticket.description)}`);
  if (ticket.runId === undefined) {
    context.print(palette.dim('\nnot worked yet (ensemble tickets run)'));
    return EXIT_OK;
  }
  context.print(`\n${palette.bold(`events (run ${ticket.runId})`)}`);
  if (events.length === 0) context.print(palette.dim('  none journaled'));
  for (const event of events) context.print(`  ${formatTimestamp(event.at).slice(11)}  ${event.type.padEnd(20)} ${describeTicketEvent(event)}`);
  return EXIT_OK;
}

async function watchTickets(context: CliContext, flags: WatchFlags): Promise<number> {
  const intervalMs = parseIntegerFlag('--interval-ms', flags.intervalMs, 100, 600_000);
  const store = openRunStore(context.storePath);
  const readBoard = createBoardReader(store);
  const controller = new AbortController();
  // Ctrl-C ends the watch: nothing runs here, so it is a normal end (exit 0).
  const onSignal = (): void => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await watchTicketBoard({
      read: (now) => {
        // A run whose process died would show members at work forever.
        store.reconcileInterrupted(isOwnerAlive);
        return readBoard(now);
      },
      output: context.stdout,
      palette: context.palette,
      unicode: isUnicodeTerminal(context.env),
      intervalMs,
      once: flags.once === true,
      signal: controller.signal,
      fallbackColumns: outputColumns(context) ?? PIPE_COLUMNS,
      asJson: context.options.json,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store.close();
  }
  return EXIT_OK;
}
