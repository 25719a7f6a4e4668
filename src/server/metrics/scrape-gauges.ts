import { Gauge, type Registry } from 'prom-client';
import { RUN_STATUSES, TASK_STATUSES, type RunState } from '../../core/index.js';
import type { RunStore } from '../../store/index.js';
import { countJournalStatuses, type JournalStatusCounts } from './count-journal-statuses.js';
import { countLiveWork, type LiveWork } from './count-live-work.js';
import { registerTicketGauges } from './ticket-gauges.js';
import { computeTicketFigures, type TicketFigures } from '../../store/index.js';

/** Options of {@link registerScrapeGauges}. */
export interface ScrapeGaugesOptions {
  readonly registry: Registry;
  readonly store: RunStore;
  readonly liveRuns: () => Iterable<RunState>;
  /** Reports a read that failed; its gauges then have no series (or NaN) in that scrape. */
  readonly fail: (source: 'journal' | 'live_runs' | 'codebase', error: unknown) => void;
}

/** Starts a scrape: the gauges read the journal and the live runs at most once per scrape. */
export type BeginScrape = () => void;

/**
 * Registers the gauges read at scrape time: runs and tasks per status from the journal, ready tasks
 * and running agents from the live runs, the shared codebase's tickets, escalations and reviews. prom-client reads each metric's values right after its own
 * `collect`, in registration order, so every gauge collects for itself, from one read per scrape
 * shared between them. A failed read leaves its gauges without series (NaN for unlabelled ones)
 * rather than stale figures, which would pass for current ones.
 */
export function registerScrapeGauges(options: ScrapeGaugesOptions): BeginScrape {
  const registers = [options.registry];
  let scrape = 0;
  let journalReadSeconds = 0;
  const readJournal = oncePerScrape(() => scrape, (): JournalStatusCounts | undefined => {
    const startedAt = performance.now();
    try {
      return countJournalStatuses(options.store);
    } catch (error) {
      options.fail('journal', error);
      return undefined;
    } finally {
      journalReadSeconds = (performance.now() - startedAt) / 1000;
    }
  });
  const readLiveRuns = oncePerScrape(() => scrape, (): (LiveWork & { readonly liveRuns: number }) | undefined => {
    try {
      const runs = [...options.liveRuns()];
      return { ...countLiveWork(runs), liveRuns: runs.filter((run) => run.status === 'running').length };
    } catch (error) {
      options.fail('live_runs', error);
      return undefined;
    }
  });

  new Gauge({
    name: 'ensemble_runs',
    help: 'Runs in the journal (all processes), by status.',
    labelNames: ['status'],
    registers,
    collect() {
      this.reset();
      const counts = readJournal();
      if (counts !== undefined) for (const status of RUN_STATUSES) this.set({ status }, counts.runs[status]);
    },
  });
  new Gauge({
    name: 'ensemble_tasks',
    help: 'Tasks of all runs in the journal (all processes), by status.',
    labelNames: ['status'],
    registers,
    collect() {
      this.reset();
      const counts = readJournal();
      if (counts !== undefined) for (const status of TASK_STATUSES) this.set({ status }, counts.tasks[status]);
    },
  });
  new Gauge({
    name: 'ensemble_journal_read_seconds',
    help: 'Time this scrape took to count runs and tasks in the journal.',
    registers,
    collect() {
      readJournal();
      this.set(journalReadSeconds);
    },
  });
  const liveGauge = (name: string, help: string, pick: (work: LiveWork & { readonly liveRuns: number }) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const work = readLiveRuns();
        // An unlabelled gauge cannot be left without a sample: NaN says "unknown", where 0 would pass for a figure.
        this.set(work === undefined ? Number.NaN : pick(work));
      },
    });
  };
  liveGauge('ensemble_live_runs', 'Runs this server executes now.', (work) => work.liveRuns);
  liveGauge(
    'ensemble_ready_tasks',
    'Pending tasks of runs executed here whose dependencies all succeeded: they wait only for a free slot.',
    (work) => work.readyTasks,
  );
  liveGauge('ensemble_running_agents', 'Tasks of runs executed here with an attempt in progress.', (work) => work.runningAgents);
  registerTicketGauges({
    registry: options.registry,
    readFigures: oncePerScrape(() => scrape, (): TicketFigures | undefined => {
      try {
        return computeTicketFigures(options.store);
      } catch (error) {
        options.fail('codebase', error);
        return undefined;
      }
    }),
  });
  return () => {
    scrape++;
  };
}

/** `read`'s value, computed on the first call of each scrape (as `currentScrape` numbers it) and reused for the rest of it. */
function oncePerScrape<T>(currentScrape: () => number, read: () => T): () => T {
  let readAt: number | undefined;
  let value: T;
  return () => {
    const scrape = currentScrape();
    if (readAt !== scrape) {
      value = read();
      readAt = scrape;
    }
    return value;
  };
}
