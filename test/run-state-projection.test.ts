import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  applyRunEvent,
  createRandom,
  createRunState,
  foldRunEvents,
  resumePriorFromEvents,
  runConfigSchema,
  taskSpecSchema,
  type Journal,
  type RunEvent,
  type RunState,
  type TaskInput,
} from '../src/core/index.js';
import { openRunStore, type RunStore, type TaskRecord } from '../src/store/index.js';
import { createHarness, randomScenario } from './helpers/scheduler-harness.js';

// The store's SQL projection (tasks and runs rows, written with each batch of events) and the core's
// applyRunEvent reducer must describe a run identically, at every point of real journals.

let folder: string;
let store: RunStore;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'ensemble-projection-'));
  store = openRunStore(join(folder, 'ensemble.db'));
});

afterEach(() => {
  store.close();
  rmSync(folder, { recursive: true, force: true });
});

const OWNER = { pid: process.pid, host: hostname() };

/** The fields the SQL projection keeps, from the reducer's task state. */
function fromState(state: RunState): TaskRecord[] {
  return [...state.tasks.values()].map((task) => ({
    taskId: task.taskId,
    agentName: task.agentName,
    description: task.description,
    dependencies: task.dependencies,
    priority: task.priority,
    ordinal: task.ordinal,
    status: task.status,
    attempts: task.attempts,
    ...(task.startedAt === undefined ? {} : { startedAt: task.startedAt }),
    ...(task.finishedAt === undefined ? {} : { finishedAt: task.finishedAt }),
    ...(task.durationMs === undefined ? {} : { durationMs: task.durationMs }),
    ...(task.output === undefined ? {} : { output: task.output }),
    ...(task.error === undefined ? {} : { error: task.error }),
    usage: task.usage,
    costUsd: task.costUsd,
    ...(task.model === undefined ? {} : { model: task.model }),
    ...(task.evidence === undefined ? {} : { evidence: task.evidence }),
  }));
}

/** The store's rows of `runId` agree with the reducer folded over the run's journaled events. */
function expectProjectionAgrees(runId: string): RunState {
  const state = foldRunEvents(store.readEvents(runId));
  expect(store.listTasks(runId)).toEqual(fromState(state));
  const run = store.getRun(runId)!;
  expect(run.lastSeq).toBe(state.lastSeq);
  expect(run.status).toBe(state.status);
  expect(run.summary).toEqual(state.summary);
  expect(run.error).toEqual(state.error);
  return state;
}

function createRun(runId: string, inputs: readonly TaskInput[]) {
  return store.createRun({
    runId,
    workflowName: 'test',
    spec: { tasks: inputs.map((input) => taskSpecSchema.parse(input)), config: runConfigSchema.parse({}), parameters: {} },
    owner: OWNER,
    createdAt: 1_000_000,
  });
}

/**
 * Runs `check` inside an event listener, keeping what it throws: the scheduler swallows a listener's
 * throw, so an expect() there could never fail the test. Assert `failures` empty after the run.
 */
function collectFailures(failures: string[], seq: number, check: () => void): void {
  try {
    check();
  } catch (error) {
    failures.push(`at seq ${seq}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

describe('the store projection and the applyRunEvent reducer', () => {
  for (let seed = 1; seed <= 12; seed++) {
    it(`agree throughout a random run with failures, retries, timeouts and a cancel, and after a resume from a crash point (seed ${seed})`, async () => {
      const random = createRandom(seed * 7919);
      const scenario = randomScenario(random);
      const cancelAtSeq = random() < 0.5 ? 2 + Math.floor(random() * scenario.inputs.length * 4) : undefined;
      const checkEvery = 3 + Math.floor(random() * 8);

      // First execution, journaled in SQLite; the batches are the crash points a kill -9 can leave.
      const claim = createRun('run-a', scenario.inputs);
      const sqlite = store.journalFor('run-a', claim);
      const batchEnds: number[] = [];
      let journaled = 0;
      const journal: Journal = {
        append(events) {
          sqlite.append(events);
          journaled += events.length;
          batchEnds.push(journaled);
        },
      };
      // A live view folds the emitted events as they come, as the CLI does.
      const live = createRunState();
      const failures: string[] = [];
      const first = createHarness(scenario.inputs, {
        runId: 'run-a',
        config: scenario.config,
        behaviours: scenario.behaviours,
        random,
        journal,
        onEvent: (event, scheduler) => {
          applyRunEvent(live, event);
          if (event.seq % checkEvery === 0) {
            collectFailures(failures, event.seq, () => {
              expectProjectionAgrees('run-a');
              expect(live).toEqual(foldRunEvents(store.readEvents('run-a', { limit: event.seq })));
            });
          }
          if (event.seq === cancelAtSeq) scheduler.cancel('cancelled by the test');
        },
      });
      const outcome = await first.run();
      expect(failures).toEqual([]);
      const state = expectProjectionAgrees('run-a');
      expect(live).toEqual(state);
      expect(state.summary).toEqual(outcome.summary);

      // A copy of the journal cut at a random batch, as a crash would leave it, then resumed.
      const events: RunEvent[] = store.readEvents('run-a');
      const cut = batchEnds[Math.floor(random() * batchEnds.length)]!;
      const crashed = createRun('run-b', scenario.inputs);
      store.journalFor('run-b', crashed).append(events.slice(0, cut).map((event) => ({ ...event, runId: 'run-b' })));
      const before = expectProjectionAgrees('run-b');
      store.releaseClaim(crashed, 'interrupted');
      const resumeClaim = store.claimRun('run-b', OWNER);
      // One at a time, so tasks that failed, were cancelled or were running at the crash wait, pending, in view.
      const resumed = createHarness(scenario.inputs, {
        runId: 'run-b',
        config: { ...scenario.config, maxParallelAgents: 1 },
        behaviours: scenario.behaviours,
        random,
        journal: store.journalFor('run-b', resumeClaim),
        prior: resumePriorFromEvents(store.readEvents('run-b')),
        startAt: (before.lastEventAt ?? 1_000_000) + 5_000,
        onEvent: (event) => collectFailures(failures, event.seq, () => expectProjectionAgrees('run-b')),
      });
      const resumedOutcome = await resumed.run();
      expect(failures).toEqual([]);
      const after = expectProjectionAgrees('run-b');
      expect(after.summary).toEqual(resumedOutcome.summary);
      expect(after.executions).toBe(2);
    });
  }
});
