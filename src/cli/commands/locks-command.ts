import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, type CliContext } from '../cli-context.js';
import { formatElapsed } from '../board/index.js';
import { outputColumns, renderFittedTable } from './fit-table.js';
import { withStore } from './runs-command.js';

/** `locks`: the write leases held now (mode `locks`). */
export function registerLocksCommand(program: Command, action: ActionFactory): void {
  program
    .command('locks')
    .description('write leases held now: which path or glob, by whom (ticket/member), until when')
    .action(action((context) => listLocks(context)));
}

async function listLocks(context: CliContext): Promise<number> {
  const now = Date.now();
  const leases = withStore(context, (store) => store.codebase.listLeases(now));
  if (context.options.json) {
    context.printJson({ leases: leases.map((lease) => ({ ...lease, expiresInMs: Math.max(0, lease.expiresAt - now) })) });
    return EXIT_OK;
  }
  if (leases.length === 0) {
    context.print('no leases held');
    return EXIT_OK;
  }
  const rows = [['OWNER', 'TICKET', 'MEMBER', 'EXPIRES IN', 'PATTERN']];
  for (const lease of leases) rows.push([lease.owner, lease.ticketId ?? '-', lease.member ?? '-', formatElapsed(Math.max(0, lease.expiresAt - now)), lease.pattern]);
  context.print(renderFittedTable(rows, context.palette, outputColumns(context)));
  return EXIT_OK;
}
