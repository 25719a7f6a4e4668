import { describe, expect, it } from 'vitest';
import { formatTicketsSection, formatTicketsTable, idealBoundMs, throughputPerMinute, TICKETS_HEADING, type ModeFigures, type TicketsBenchReport } from './tickets-section.js';
import { countOverlappingTickets, createTicketWorkload, longestDependencyChain, type WorkloadTicket } from './tickets-workload.js';
import { readMarkdownSection, replaceMarkdownSection } from './write-benchmarks-section.js';

const base: Omit<ModeFigures, 'mode'> = {
  outcome: 'succeeded',
  wallMs: 30_000,
  loadAverageAtStart: 1.5,
  meanTicketMs: 900,
  ticketCount: 40,
  completedCount: 40,
  failedCount: 0,
  retryCount: 0,
  maxParallel: 8,
  meanWaitToAssignMs: 10_000,
  maxWaitToAssignMs: 25_000,
  deferredCount: 6,
  fileDeferredCount: 6,
  ticketsWaitingForFiles: 5,
  fileWaitMs: 28_300,
  leaseRefusedCount: 0,
};

const report: TicketsBenchReport = {
  date: '2026-11-28',
  machine: 'Test CPU, 2 cores',
  deadlineMs: 270_000,
  workload: {
    seed: 10,
    fileCount: 200,
    ticketCount: 40,
    teamSize: 8,
    overlappingTicketCount: 12,
    hotFileCount: 4,
    dependentTicketCount: 4,
    agentTimeMs: 200,
    agentJitterMs: 40,
    totalAgentTimeMs: 8_000,
    chainLength: 2,
    chainAgentTimeMs: 400,
  },
  modes: [
    { ...base, mode: 'queue', wallMs: 60_000, maxParallel: 1, deferredCount: 700, fileDeferredCount: 0, ticketsWaitingForFiles: 0, fileWaitMs: 0 },
    { ...base, mode: 'locks' },
    {
      ...base,
      mode: 'branches',
      deferredCount: 0,
      fileDeferredCount: 0,
      ticketsWaitingForFiles: 0,
      fileWaitMs: 0,
      review: { reviewCount: 40, conflictingReviewCount: 8, conflictsAgainstMain: 0, conflictingBranchPairs: 8, mergedCount: 32, needsRetryCount: 8, failedApprovalCount: 0, approveAllMs: 12_340 },
    },
  ],
};

describe('tickets bench section', () => {
  it('computes throughput per minute and the ideal bound', () => {
    expect(throughputPerMinute({ completedCount: 40, wallMs: 30_000 })).toBe(80);
    expect(Number.isNaN(throughputPerMinute({ completedCount: 0, wallMs: 0 }))).toBe(true);
    // max(chain 400 ms, 8000 ms ÷ 8)
    expect(idealBoundMs({ totalAgentTimeMs: 8_000, chainAgentTimeMs: 400, teamSize: 8 })).toBe(1_000);
    expect(idealBoundMs({ totalAgentTimeMs: 8_000, chainAgentTimeMs: 1_500, teamSize: 8 })).toBe(1_500);
  });

  it('prints one row per mode: conflicts by construction for queue and locks, predictions and approvals for branches', () => {
    const [header, separator, queue, locks, branches] = formatTicketsTable(report);
    const columns = (line: string | undefined): number => (line ?? '').split('|').length;
    expect(columns(separator)).toBe(columns(header));
    for (const row of [queue, locks, branches]) expect(columns(row)).toBe(columns(header));
    expect(queue).toBe('| queue | 1.50 | succeeded | 60.00 | 0.90 | 40 of 40 | 40.0 | 60.0 | 1 | 10.00 / 25.00 | 700 | 0 | 0 | 0 (by construction) | - |');
    expect(locks).toContain('| 5 tickets, 6 deferrals, 28.30 s in all |');
    expect(locks).toContain('| 80.0 | 30.0 | 8 |');
    expect(branches).toContain('| 8 of 40 reviews (20%) | 32 merged / 8 needs-retry (12.34 s) |');
  });

  it('names failures and retries in the outcome cell', () => {
    const [, , row] = formatTicketsTable({ ...report, modes: [{ ...base, mode: 'locks', outcome: 'failed', failedCount: 2, retryCount: 1 }] });
    expect(row).toContain('| failed (2 failed) (1 retries) |');
  });

  it('is a section the markdown helpers replace whole, with the command, the machine and the bounds', () => {
    const lines = formatTicketsSection(report);
    expect(lines[0]).toBe(TICKETS_HEADING);
    const text = lines.join('\n');
    expect(text).toContain('Written by `npm run bench:tickets` on 2026-11-28. Machine: Test CPU, 2 cores.');
    expect(text).toContain('ideal 8-way bound max(chain, total ÷ 8) = 1.00 s');
    expect(text).toContain('heaviest dependency chain 2 tickets, 0.40 s');
    expect(text).toContain('A ticket took 0.90 s alone (`queue`) and 1.0× in `locks` (up to 8 at once), 1.0× in `branches` (up to 8 at once).');
    expect(lines.filter((line) => line.startsWith('## '))).toEqual([TICKETS_HEADING]);
    const file = replaceMarkdownSection('# Benchmarks\n\n## Other\n\nkept\n', TICKETS_HEADING, lines);
    expect(file.startsWith('# Benchmarks\n\n## Other\n\nkept\n\n')).toBe(true);
    expect(readMarkdownSection(file, TICKETS_HEADING)).toEqual(lines.slice(0, -1));
  });
});

describe('tickets bench workload', () => {
  it('is the same for the same seed: 200 files, 40 tickets of 1-3 files, 30% overlapping, 10% dependent on an earlier one', () => {
    const workload = createTicketWorkload(10);
    expect(createTicketWorkload(10)).toEqual(workload);
    expect(Object.keys(workload.files)).toHaveLength(200);
    expect(workload.tickets).toHaveLength(40);
    for (const [index, ticket] of workload.tickets.entries()) {
      expect(ticket.files.length).toBeGreaterThanOrEqual(1);
      expect(ticket.files.length).toBeLessThanOrEqual(3);
      for (const file of ticket.files) expect(workload.files[file]?.startsWith(`// ${file}\n`)).toBe(true);
      for (const dependency of ticket.dependencies) expect(dependency).toBeLessThan(index);
      expect(ticket.agentTimeMs).toBeGreaterThanOrEqual(160);
      expect(ticket.agentTimeMs).toBeLessThanOrEqual(240);
    }
    expect(countOverlappingTickets(workload.tickets)).toBe(12);
    expect(workload.tickets.filter((ticket) => ticket.dependencies.length > 0)).toHaveLength(4);
  });

  it('finds the heaviest dependency chain by agent time', () => {
    const ticket = (agentTimeMs: number, dependencies: number[] = []): WorkloadTicket => ({ title: 't', files: ['a'], priority: 5, dependencies, agentTimeMs });
    expect(longestDependencyChain([ticket(100), ticket(300), ticket(100, [0]), ticket(100, [2]), ticket(50, [1])])).toEqual({ indexes: [1, 4], agentTimeMs: 350 });
    expect(longestDependencyChain([])).toEqual({ indexes: [], agentTimeMs: 0 });
  });
});
