import { CLEANUP_ITEM_KINDS, cleanUpHost, type CleanupItem, type CleanupItemKind, type CleanupReport } from '../../orchestrator/index.js';
import { openRunStore } from '../../store/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_FAILED, EXIT_OK, type CliContext } from '../cli-context.js';
import { sanitizeTerminalLine } from '../terminal/index.js';

/** `cleanup`: remove what crashed runs left behind on this host, and say what. */
export function registerCleanupCommand(program: Command, action: ActionFactory): void {
  program
    .command('cleanup')
    .description(
      'remove what crashed runs left on this host: orphaned agents, scratch folders, cgroups, stale leases, workspace copies, ' +
        'patches of removed runs, finished ticket worktrees; never anything of a live run, nor uncommitted work',
    )
    .option('--dry-run', 'list what would be removed, remove nothing')
    .action(action((context, flags: { dryRun?: boolean }) => cleanUp(context, flags.dryRun === true)));
}

async function cleanUp(context: CliContext, isDryRun: boolean): Promise<number> {
  const store = openRunStore(context.storePath);
  let report: CleanupReport;
  try {
    report = await cleanUpHost({ store, isDryRun });
  } finally {
    store.close();
  }
  if (context.options.json) context.printJson(report);
  else printReport(context, report);
  return report.failed.length === 0 ? EXIT_OK : EXIT_FAILED;
}

/** How a kind reads: before a subject in a line (`removed <line> <subject>`), and counted in the total. */
const KIND_NAMES: Readonly<Record<CleanupItemKind, { readonly line: string; readonly one: string; readonly many: string }>> = {
  'process-group': { line: 'orphaned process group', one: 'orphaned process group', many: 'orphaned process groups' },
  // Its subject says it all: "3 agent processes found by their tag …".
  'agent-processes': { line: '', one: 'set of tagged agent processes', many: 'sets of tagged agent processes' },
  cgroup: { line: 'cgroup', one: 'cgroup', many: 'cgroups' },
  'scratch-folder': { line: 'scratch folder', one: 'scratch folder', many: 'scratch folders' },
  lease: { line: 'lease', one: 'lease', many: 'leases' },
  'workspace-copy': { line: 'workspace copy', one: 'workspace copy', many: 'workspace copies' },
  patches: { line: 'patches', one: 'patch folder or file', many: 'patch folders and files' },
  'ticket-worktree': { line: 'ticket worktree', one: 'ticket worktree', many: 'ticket worktrees' },
  'worktree-registration': { line: 'worktree registration', one: 'worktree registration', many: 'worktree registrations' },
  run: { line: 'run', one: 'run', many: 'runs' },
};

// Processes are killed, everything else removed.
const isProcessKind = (kind: CleanupItemKind): boolean => kind === 'process-group' || kind === 'agent-processes';

function printReport(context: CliContext, report: CleanupReport): void {
  const { palette } = context;
  const verb = report.dryRun ? 'would remove' : 'removed';
  const verbOf = (item: CleanupItem): string => (!isProcessKind(item.kind) ? verb : report.dryRun ? 'would kill' : 'killed');
  const describe = (item: CleanupItem): string => {
    const name = KIND_NAMES[item.kind].line;
    return `${name === '' ? '' : `${name} `}${sanitizeTerminalLine(item.subject)}${item.runId === undefined ? '' : ` · run ${item.runId}`}`;
  };
  for (const item of report.removed) context.print(`${verbOf(item)} ${describe(item)}`);
  for (const item of report.kept) context.print(palette.yellow(`kept ${describe(item)}: ${sanitizeTerminalLine(item.reason ?? '')}`));
  for (const item of report.failed) {
    const what = item.kind === 'run' ? `could not read ${sanitizeTerminalLine(item.subject)}` : `could not ${isProcessKind(item.kind) ? 'kill' : 'remove'} ${describe(item)}`;
    context.print(palette.red(`${what}: ${sanitizeTerminalLine(item.error ?? '')}`));
  }
  if (report.removed.length === 0 && report.failed.length === 0) {
    context.print(report.kept.length === 0 ? 'nothing to clean up' : `nothing ${report.dryRun ? 'would be removed' : 'removed'}`);
    return;
  }
  const counts = CLEANUP_ITEM_KINDS.map((kind) => [kind, report.removed.filter((item) => item.kind === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${count === 1 ? KIND_NAMES[kind].one : KIND_NAMES[kind].many}`);
  const failures = report.failed.length > 0 ? `; ${report.failed.length} could not be removed` : '';
  context.print(`${verb} ${report.removed.length} item${report.removed.length === 1 ? '' : 's'}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}${failures}`);
}
