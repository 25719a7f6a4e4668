// `npm run bench:tickets`: 8 scripted agents work 40 tickets over a 200-file repository in each
// isolation mode (queue, locks, branches); measures throughput, waits and conflicts, and rewrites
// only its own section of BENCHMARKS.md (issue 10).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ReviewQueue } from '../src/codebase/index.js';
import type { RunEvent, RunOutcome } from '../src/core/index.js';
import { prepareTicketRun } from '../src/orchestrator/index.js';
import { openRunStore, type ReviewRecord } from '../src/store/index.js';
import { formatTicketsSection, formatTicketsTable, TICKETS_HEADING, type BenchMode, type ModeFigures, type ReviewFigures, type TicketsBenchReport } from './tickets-section.js';
import {
  AGENT_JITTER_MS,
  AGENT_TIME_MS,
  countOverlappingTickets,
  createTicketWorkload,
  longestDependencyChain,
  TEAM_SIZE,
  type TicketWorkload,
} from './tickets-workload.js';
import { writeBenchmarksSection } from './write-benchmarks-section.js';

const MODES: readonly BenchMode[] = ['queue', 'locks', 'branches'];
const DEFAULT_SEED = 10;
/** The whole bench, every mode included, in s: past it the bench fails, naming the phase. */
const DEFAULT_DEADLINE_SECONDS = 270;
const AGENT_NAME = 'bench-coder';

const benchmarksPath = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));

/**
 * The fake coding agent: reads its prompt from stdin, sleeps the ticket's agent time (named in its
 * description), then rewrites the first line of each file the ticket names — the same line for
 * every ticket, so two branches that edit one file conflict in git.
 */
const FAKE_CODER = `
import { readFileSync, writeFileSync } from 'node:fs';
let prompt = '';
for await (const chunk of process.stdin) prompt += chunk;
const ticket = /Ticket (T-\\d+)/.exec(prompt)?.[1] ?? 'T-?';
const files = (/Files this ticket is expected to change: (.*)/.exec(prompt)?.[1] ?? '').split(', ').filter(Boolean);
const delayMs = Number(/Simulated agent time: (\\d+) ms/.exec(prompt)?.[1] ?? ${AGENT_TIME_MS});
await new Promise((resolve) => setTimeout(resolve, delayMs));
for (const file of files) {
  const lines = readFileSync(file, 'utf8').split('\\n');
  lines[0] = '// ' + file + ': reworked by ' + ticket;
  writeFileSync(file, lines.join('\\n'));
}
console.log('reworked ' + files.join(', ') + ' for ' + ticket);
`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The workload's repository on branch `main`, one commit. */
function makeRepository(folder: string, workload: TicketWorkload): void {
  for (const [path, content] of Object.entries(workload.files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  git(folder, 'init', '-q', '-b', 'main');
  git(folder, 'add', '--all');
  git(folder, 'commit', '-qm', 'initial: 200 files');
}

/** The fake agent's program and definition; returns the agents folder. */
function writeAgent(folder: string): string {
  const agentsDir = join(folder, 'agents');
  mkdirSync(agentsDir, { recursive: true });
  const program = join(folder, 'fake-coder.mjs');
  writeFileSync(program, FAKE_CODER);
  writeFileSync(
    join(agentsDir, `${AGENT_NAME}.md`),
    `---\nname: ${AGENT_NAME}\ndescription: scripted coding agent of the ticket bench\ncategory: development\nruntime: command\ncommand: ${JSON.stringify(['node', program])}\n---\nRewrites the first line of each file its ticket names.\n`,
  );
  return agentsDir;
}

/** What the events of one run say. */
function measureEvents(events: readonly RunEvent[]): Omit<ModeFigures, 'mode' | 'outcome' | 'wallMs' | 'loadAverageAtStart' | 'ticketCount' | 'review'> {
  const running = new Map<string, number>();
  const ticketDurations: number[] = [];
  let maxParallel = 0;
  let startedAt: number | undefined;
  const assignedAt = new Map<string, number>();
  const firstFileDeferralAt = new Map<string, number>();
  let completedCount = 0;
  let failedCount = 0;
  let retryCount = 0;
  let deferredCount = 0;
  let fileDeferredCount = 0;
  let leaseRefusedCount = 0;
  for (const event of events) {
    switch (event.type) {
      case 'workflow:start':
        startedAt ??= event.at;
        break;
      case 'task:start':
        running.set(event.taskId, event.at);
        maxParallel = Math.max(maxParallel, running.size);
        break;
      case 'task:complete':
        ticketDurations.push(event.at - (running.get(event.taskId) ?? event.at));
        running.delete(event.taskId);
        completedCount++;
        break;
      case 'task:error':
        running.delete(event.taskId);
        failedCount++;
        break;
      case 'task:retry':
        running.delete(event.taskId);
        retryCount++;
        break;
      case 'escalation:open':
      case 'task:cancelled':
        running.delete(event.taskId);
        break;
      case 'ticket:assigned':
        if (!assignedAt.has(event.taskId)) assignedAt.set(event.taskId, event.at);
        break;
      case 'ticket:deferred':
        deferredCount++;
        if (/overlap|leases refused/.test(event.reason)) {
          fileDeferredCount++;
          if (!firstFileDeferralAt.has(event.taskId) && !assignedAt.has(event.taskId)) firstFileDeferralAt.set(event.taskId, event.at);
        }
        break;
      case 'lease:refused':
        leaseRefusedCount++;
        break;
      default:
        break;
    }
  }
  const waits = [...assignedAt.values()].map((at) => at - (startedAt ?? at));
  let fileWaitMs = 0;
  for (const [taskId, at] of firstFileDeferralAt) fileWaitMs += (assignedAt.get(taskId) ?? at) - at;
  return {
    completedCount,
    failedCount,
    retryCount,
    maxParallel,
    meanTicketMs: ticketDurations.length === 0 ? Number.NaN : ticketDurations.reduce((sum, duration) => sum + duration, 0) / ticketDurations.length,
    meanWaitToAssignMs: waits.length === 0 ? Number.NaN : waits.reduce((sum, wait) => sum + wait, 0) / waits.length,
    maxWaitToAssignMs: waits.length === 0 ? Number.NaN : Math.max(...waits),
    deferredCount,
    fileDeferredCount,
    ticketsWaitingForFiles: firstFileDeferralAt.size,
    fileWaitMs,
    leaseRefusedCount,
  };
}

/** Counts the predictions made when each review was queued, then approves every open review in queue order. */
async function approveAll(reviews: readonly ReviewRecord[], queue: ReviewQueue, signal: AbortSignal): Promise<ReviewFigures> {
  const conflicting = reviews.filter((review) => review.conflicts.some((prediction) => !prediction.clean));
  const conflictsAgainstMain = reviews.filter((review) => review.conflicts.some((prediction) => prediction.against === 'main' && !prediction.clean)).length;
  const conflictingBranchPairs = reviews.reduce((sum, review) => sum + review.conflicts.filter((prediction) => prediction.against !== 'main' && !prediction.clean).length, 0);
  let mergedCount = 0;
  let needsRetryCount = 0;
  let failedApprovalCount = 0;
  const startedAt = performance.now();
  for (const review of reviews) {
    try {
      await queue.approve(review.id, { signal });
      mergedCount++;
    } catch (error) {
      if (signal.aborted) throw error;
      if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'MERGE_CONFLICT') needsRetryCount++;
      else {
        failedApprovalCount++;
        process.stderr.write(`approving ${review.id} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }
  return {
    reviewCount: reviews.length,
    conflictingReviewCount: conflicting.length,
    conflictsAgainstMain,
    conflictingBranchPairs,
    mergedCount,
    needsRetryCount,
    failedApprovalCount,
    approveAllMs: performance.now() - startedAt,
  };
}

/** One mode on a fresh copy of the repository and a fresh journal. */
async function runMode(mode: BenchMode, workload: TicketWorkload, template: string, agentsDir: string, folder: string, signal: AbortSignal): Promise<ModeFigures> {
  const modeDir = join(folder, mode);
  mkdirSync(modeDir, { recursive: true });
  cpSync(template, join(modeDir, 'repo'), { recursive: true });
  const repo = realpathSync(join(modeDir, 'repo'));
  const storePath = join(modeDir, 'data', 'ensemble.db');
  const store = openRunStore(storePath);
  try {
    for (const ticket of workload.tickets) {
      store.codebase.addTicket(
        {
          title: ticket.title,
          description: `Simulated agent time: ${ticket.agentTimeMs} ms.`,
          files: [...ticket.files],
          priority: ticket.priority,
          dependencies: ticket.dependencies.map((index) => `T-${index + 1}`),
        },
        Date.now(),
      );
    }
    const team = Array.from({ length: TEAM_SIZE }, (_, index) => ({ member: `coder-${index + 1}`, agentName: AGENT_NAME }));
    // A retry (none expected) waits 0.5 s instead of the seed's minute, so a hiccup shows in the figures instead of stalling the bench.
    const run = await prepareTicketRun({ storePath, workspaceDir: repo, agentDirs: [agentsDir] }, { mode, team, ticketTimeoutMs: 60_000, backoffMs: [500] });
    const events: RunEvent[] = [];
    const off = run.orchestrator.on('*', (event: RunEvent) => events.push(event));
    const loadAverageAtStart = loadavg()[0] ?? Number.NaN;
    const startedAt = performance.now();
    let outcome: RunOutcome;
    try {
      outcome = await run.start({ signal });
    } finally {
      off();
    }
    const wallMs = performance.now() - startedAt;
    if (signal.aborted) throw new Error(`the deadline passed during the ${mode} run`);
    const figures: ModeFigures = { mode, outcome: outcome.status, wallMs, loadAverageAtStart, ticketCount: workload.tickets.length, ...measureEvents(events) };
    if (mode !== 'branches') return figures;
    const reviews = store.codebase.listReviews({ status: 'open' });
    return { ...figures, review: await approveAll(reviews, new ReviewQueue({ store: store.codebase, repo }), signal) };
  } finally {
    store.close();
  }
}

function describeMachine(): string {
  let gitVersion = 'git unknown';
  try {
    gitVersion = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // Only the machine line lacks it.
  }
  return `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${osType()} ${release()}, Node ${process.version}, ${gitVersion}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      modes: { type: 'string', default: MODES.join(',') },
      'deadline-seconds': { type: 'string', default: String(DEFAULT_DEADLINE_SECONDS) },
      // Print the figures without touching BENCHMARKS.md.
      'no-write': { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed: expected a whole number ≥ 0, got ${JSON.stringify(values.seed)}`);
  const deadlineSeconds = Number(values['deadline-seconds']);
  if (!Number.isInteger(deadlineSeconds) || deadlineSeconds < 10 || deadlineSeconds > 600) throw new Error(`--deadline-seconds: expected a whole number from 10 to 600, got ${JSON.stringify(values['deadline-seconds'])}`);
  const deadline = AbortSignal.timeout(deadlineSeconds * 1000);
  const modeList = values.modes.split(',').map((mode) => mode.trim());
  const unknownMode = modeList.find((mode) => !(MODES as readonly string[]).includes(mode));
  if (unknownMode !== undefined || modeList.length === 0) throw new Error(`--modes: expected some of ${MODES.join(', ')}, got ${JSON.stringify(values.modes)}`);
  const selected = MODES.filter((mode) => modeList.includes(mode));

  const workload = createTicketWorkload(seed);
  const chain = longestDependencyChain(workload.tickets);
  const folder = mkdtempSync(join(tmpdir(), 'ensemble-bench-tickets-'));
  const modes: ModeFigures[] = [];
  try {
    const template = join(folder, 'template');
    makeRepository(template, workload);
    const agentsDir = writeAgent(folder);
    for (const mode of selected) {
      const figures = await runMode(mode, workload, template, agentsDir, folder, deadline);
      process.stdout.write(`${mode}: ${figures.outcome}, ${figures.completedCount}/${figures.ticketCount} tickets in ${(figures.wallMs / 1000).toFixed(2)} s\n`);
      modes.push(figures);
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  const report: TicketsBenchReport = {
    date: new Date().toISOString().slice(0, 10),
    machine: describeMachine(),
    deadlineMs: deadlineSeconds * 1000,
    workload: {
      seed,
      fileCount: Object.keys(workload.files).length,
      ticketCount: workload.tickets.length,
      teamSize: TEAM_SIZE,
      overlappingTicketCount: countOverlappingTickets(workload.tickets),
      hotFileCount: workload.hotFiles.length,
      dependentTicketCount: workload.tickets.filter((ticket) => ticket.dependencies.length > 0).length,
      agentTimeMs: AGENT_TIME_MS,
      agentJitterMs: AGENT_JITTER_MS,
      totalAgentTimeMs: workload.tickets.reduce((sum, ticket) => sum + ticket.agentTimeMs, 0),
      chainLength: chain.indexes.length,
      chainAgentTimeMs: chain.agentTimeMs,
    },
    modes,
  };
  process.stdout.write(`\n${formatTicketsTable(report).join('\n')}\n`);
  if (selected.length !== MODES.length) process.stdout.write(`\nonly ${selected.join(', ')} ran: BENCHMARKS.md is left as it is\n`);
  else if (!values['no-write']) {
    writeBenchmarksSection(benchmarksPath, TICKETS_HEADING, formatTicketsSection(report));
    process.stdout.write(`\nupdated the section "${TICKETS_HEADING}" of ${benchmarksPath}\n`);
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`\ntickets bench FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
// A run that failed mid-way must not keep the bench alive through its timers; its temp folder is already removed.
process.exit();
