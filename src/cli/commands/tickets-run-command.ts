import { resolve } from 'node:path';
import { EnsembleError } from '../../core/index.js';
import { ISOLATION_MODES, parseTeam, type IsolationMode, type TicketRunOptionsInput } from '../../codebase/index.js';
import { loadEnsembleConfig } from '../../config/index.js';
import { prepareTicketRun, prepareTicketResume, type TicketRun, type TicketRunRequest } from '../../orchestrator/index.js';
import type { ActionFactory, Command } from '../action.js';
import type { CliContext } from '../cli-context.js';
import { watchRun } from './watch-run.js';

interface TicketsRunFlags {
  readonly mode?: string;
  readonly agents?: string;
  readonly workspace?: string;
  readonly tmux?: boolean;
  readonly follow?: boolean;
  readonly overlapThreshold?: string;
  readonly leaseTtl?: string;
  readonly maxTries?: string;
  readonly backoff?: string;
  readonly escalationDeadline?: string;
  readonly ticketTimeout?: string;
  readonly checkIn?: string;
  readonly commitEvery?: string;
  readonly provider?: string;
  readonly model?: string;
}

/** `tickets run`: the queued tickets, worked by a team of agents in one of the three isolation modes. */
export function registerTicketsRunCommand(tickets: Command, action: ActionFactory): void {
  tickets
    .command('run')
    .description(
      'work the queued tickets with a team of agents: `queue` one at a time, `locks` in parallel under file leases, ' +
        '`branches` each on its own git worktree and branch, into the review queue',
    )
    .option('--mode <mode>', `isolation: ${ISOLATION_MODES.join(' | ')}`, 'locks')
    .option('--agents <list>', 'the team: agent names, each with an optional count ("developer:3,tester")', 'developer:2')
    .option('--workspace <dir>', 'the git repository the team works on (default: the current folder)')
    .option('--tmux', 'run `cli` agents in tmux windows, one session per team (`ensemble attach <agent>`)')
    .option('--follow', 'keep running and take tickets added while it runs, until Ctrl-C')
    .option('--overlap-threshold <share>', 'largest share (0-1) of a ticket\'s files that may overlap work in progress (default 0; 1 in branches mode)')
    .option('--lease-ttl <duration>', 'lease lifetime unless renewed: 90s, 30m, 1h (default 30m)')
    .option('--max-tries <n>', 'tries per ticket before the human queue as agent-failed (default 3)')
    .option('--backoff <durations>', 'waits before retries: "1m,5m,15m" (default)')
    .option('--escalation-deadline <duration>', 'how long a person has to answer the policy\'s escalations (default: no deadline)')
    .option('--ticket-timeout <duration>', 'time limit of one attempt (default 30m)')
    .option('--check-in <duration>', 'tmux: how often the agents are checked on (default 15m)')
    .option('--commit-every <duration>', 'tmux: how often a running agent\'s work is committed (default 30m)')
    .option('--provider <name>', 'model provider of llm agents')
    .option('--model <model>', 'model of llm agents')
    .action(action((context, flags: TicketsRunFlags) => runTickets(context, flags)));
}

async function runTickets(context: CliContext, flags: TicketsRunFlags): Promise<number> {
  const options = toTicketRunOptions(flags);
  const request = ticketRunRequest(context, flags.workspace, flags);
  const run = await prepareTicketRun(request, options);
  reportPlan(context, run);
  return watchTicketRun(context, run);
}

/** `resume <runId>` of a ticket run: the same team, mode and wiring it started with. */
export async function resumeTicketRun(context: CliContext, runId: string, workspaceDir: string | undefined): Promise<number> {
  const run = await prepareTicketResume(ticketRunRequest(context, workspaceDir, {}), runId);
  return watchTicketRun(context, run);
}

function watchTicketRun(context: CliContext, run: TicketRun): Promise<number> {
  return watchRun(context, run.orchestrator, () => run.start());
}

function reportPlan(context: CliContext, run: TicketRun): void {
  if (context.options.json) return;
  const lines = [`ensemble tickets run: ${run.ticketIds.length} ticket${run.ticketIds.length === 1 ? '' : 's'} (${run.ticketIds.join(', ') || 'none yet'})`];
  for (const { ticketId, reason } of run.skipped) lines.push(`  left out ${ticketId}: ${reason}`);
  context.stderr.write(`${lines.join('\n')}\n`);
}

function ticketRunRequest(context: CliContext, workspace: string | undefined, flags: Pick<TicketsRunFlags, 'provider' | 'model'>): TicketRunRequest {
  const workspaceDir = resolve(context.cwd, workspace ?? '.');
  const ensembleConfig = loadEnsembleConfig({ cwd: workspaceDir, env: context.env, ...(flags.provider === undefined ? {} : { provider: flags.provider }) });
  return {
    storePath: context.storePath,
    workspaceDir,
    agentDirs: context.options.agentsDir.map((dir) => resolve(context.cwd, dir)),
    orchestrator: {
      ensembleConfig,
      ...(flags.provider === undefined ? {} : { provider: flags.provider }),
      ...(flags.model === undefined ? {} : { model: flags.model }),
    },
  };
}

/** The flags as ticket run options; INVALID_INPUT naming the flag for a bad value. */
export function toTicketRunOptions(flags: TicketsRunFlags): TicketRunOptionsInput {
  const mode = flags.mode ?? 'locks';
  if (!(ISOLATION_MODES as readonly string[]).includes(mode)) invalid('--mode', `"${mode}" is not one of ${ISOLATION_MODES.join(', ')}`);
  let team;
  try {
    team = parseTeam(flags.agents ?? 'developer:2');
  } catch (error) {
    throw new EnsembleError('INVALID_INPUT', error instanceof Error ? error.message : String(error));
  }
  const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
  return {
    mode: mode as IsolationMode,
    team,
    ...optional('overlapThreshold', flags.overlapThreshold === undefined ? undefined : parseShare('--overlap-threshold', flags.overlapThreshold)),
    ...optional('leaseTtlMs', flags.leaseTtl === undefined ? undefined : parseDurationMs('--lease-ttl', flags.leaseTtl)),
    ...optional('maxTries', flags.maxTries === undefined ? undefined : parseCount('--max-tries', flags.maxTries)),
    ...optional('backoffMs', flags.backoff === undefined ? undefined : flags.backoff.split(',').map((part) => parseDurationMs('--backoff', part.trim()))),
    ...optional('escalationDeadlineMs', flags.escalationDeadline === undefined ? undefined : parseDurationMs('--escalation-deadline', flags.escalationDeadline)),
    ...optional('ticketTimeoutMs', flags.ticketTimeout === undefined ? undefined : parseDurationMs('--ticket-timeout', flags.ticketTimeout)),
    ...optional('checkInMs', flags.checkIn === undefined ? undefined : parseDurationMs('--check-in', flags.checkIn)),
    ...optional('commitEveryMs', flags.commitEvery === undefined ? undefined : parseDurationMs('--commit-every', flags.commitEvery)),
    follow: flags.follow === true,
    tmux: flags.tmux === true,
  };
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `90s`, `30m`, `1h`, `250ms`, or a bare number of ms. */
export function parseDurationMs(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) invalid(flag, `"${text}" is not a duration (e.g. 90s, 30m, 1h)`);
  const value = Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? 'ms'] ?? 1);
  if (!Number.isFinite(value) || value <= 0) invalid(flag, `"${text}" must be more than zero`);
  return Math.round(value);
}

function parseShare(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) invalid(flag, `"${text}" must be a number from 0 to 1`);
  return value;
}

function parseCount(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 20) invalid(flag, `"${text}" must be a whole number from 1 to 20`);
  return value;
}

function invalid(flag: string, message: string): never {
  throw new EnsembleError('INVALID_INPUT', `${flag}: ${message}`, { details: { flag } });
}
