import { beforeEach, describe, expect, it } from 'vitest';
import { runConfigSchema, taskSpecSchema, type RunEvent } from '../core/index.js';
import { openRunStore, type RecordedOwner, type RunClaim, type RunStore } from './index.js';
import { openTempStore } from '../../test/helpers/temp-folder.js';

let path: string;
let store: RunStore;

beforeEach(() => {
  const temp = openTempStore('ensemble-claims-', openRunStore);
  ({ path, store } = temp);
  return () => temp.remove(store);
});

const FIRST = { pid: 100, host: 'host-a', startTicks: 5 };
const SECOND = { pid: 200, host: 'host-b' };
const alwaysAlive = (): boolean => true;
const neverAlive = (): boolean => false;

function createRun(runId: string, createdAt = Date.now()): RunClaim {
  return store.createRun({
    runId,
    workflowName: 'claims',
    spec: { tasks: [taskSpecSchema.parse({ id: 'only', agentName: 'a' })], config: runConfigSchema.parse({}), parameters: {} },
    owner: FIRST,
    createdAt,
    staleAfterMs: 1_000,
  });
}

function start(runId: string, seq: number): RunEvent {
  return { type: 'workflow:start', runId, seq, at: Date.now(), workflowName: 'claims', taskCount: 1, maxParallelAgents: 1, resumed: seq > 1, completedTaskCount: 0 };
}

describe('run claims (issue 6: one claim, compare-and-set)', () => {
  it('records the creator as owner with its start time and a fresh heartbeat', () => {
    const claim = createRun('run-1', 5_000);
    expect(claim).toMatchObject({ runId: 'run-1', owner: FIRST, token: expect.any(String) });
    expect(store.getRun('run-1')).toMatchObject({ status: 'running', owner: FIRST, heartbeatAt: 5_000, staleAfterMs: 1_000 });
  });

  it('refuses to take over a run whose owner is alive, naming it, and changes nothing', () => {
    createRun('run-1');
    expect(() => store.claimRun('run-1', SECOND, { isOwnerAlive: alwaysAlive })).toThrow(
      expect.objectContaining({ code: 'RUN_NOT_RESUMABLE', message: expect.stringContaining('is running in process 100 on host-a') }),
    );
    expect(store.getRun('run-1')?.owner).toEqual(FIRST);
  });

  it('lets exactly one of two stores (two processes) claim the same interrupted run', () => {
    createRun('run-1');
    store.markRunStatus('run-1', 'interrupted');
    const other = openRunStore(path);
    try {
      // The second claim runs after the first committed: it sees a running run with a live owner.
      const outcomes = [store, other].map((candidate, index) => {
        try {
          return candidate.claimRun('run-1', { pid: 300 + index, host: 'host-c' }, { isOwnerAlive: alwaysAlive }).owner.pid;
        } catch (error) {
          return (error as { code: string }).code;
        }
      });
      expect(outcomes).toEqual([300, 'RUN_NOT_RESUMABLE']);
      expect(other.getRun('run-1')?.owner.pid).toBe(300);
    } finally {
      other.close();
    }
  });

  it('takes over a running run whose owner is judged gone, and hands the judge the recorded owner with its heartbeat', () => {
    createRun('run-1', 7_000);
    const seen: RecordedOwner[] = [];
    const claim = store.claimRun('run-1', SECOND, {
      isOwnerAlive: (owner) => {
        seen.push(owner);
        return false;
      },
      now: 9_000,
    });
    expect(seen).toEqual([{ ...FIRST, heartbeatAt: 7_000, staleAfterMs: 1_000, token: expect.any(String) }]);
    expect(store.getRun('run-1')).toMatchObject({ status: 'running', owner: SECOND, heartbeatAt: 9_000 });
    expect(claim.owner).toEqual(SECOND);
  });

  it('by default treats a stale heartbeat as a gone owner, whatever its host', () => {
    createRun('run-1', 1_000);
    expect(() => store.claimRun('run-1', SECOND, { now: 1_500 })).toThrow(expect.objectContaining({ code: 'RUN_NOT_RESUMABLE' }));
    expect(store.claimRun('run-1', SECOND, { now: 2_500 }).owner).toEqual(SECOND);
  });

  it('refuses a run that succeeded and an unknown run', () => {
    createRun('run-1');
    store.markRunStatus('run-1', 'succeeded');
    expect(() => store.claimRun('run-1', SECOND, { isOwnerAlive: neverAlive })).toThrow(expect.objectContaining({ code: 'RUN_NOT_RESUMABLE', message: expect.stringContaining('already succeeded') }));
    expect(() => store.claimRun('nope', SECOND)).toThrow(expect.objectContaining({ code: 'UNKNOWN_RUN' }));
  });

  it('renews the heartbeat while the claim is held, and tells a cancelled or taken-over run apart', () => {
    const claim = createRun('run-1', 1_000);
    expect(store.renewHeartbeat(claim, 4_000)).toBe('held');
    expect(store.getRun('run-1')?.heartbeatAt).toBe(4_000);
    // Marked interrupted while its owner slept past the stale limit: the owner's next renewal takes it back.
    store.reconcileInterrupted(neverAlive);
    expect(store.getRun('run-1')?.status).toBe('interrupted');
    expect(store.renewHeartbeat(claim, 5_000)).toBe('held');
    expect(store.getRun('run-1')?.status).toBe('running');

    store.reconcileInterrupted(neverAlive);
    expect(store.cancelInterrupted('run-1')).toBe(true);
    expect(store.renewHeartbeat(claim, 6_000)).toBe('cancelled');

    const second = createRun('run-2');
    store.markRunStatus('run-2', 'interrupted');
    store.claimRun('run-2', SECOND);
    expect(store.renewHeartbeat(second, 7_000)).toBe('lost');
  });

  it("refuses the journal writes of a process whose claim was taken over, and accepts the new owner's", () => {
    const claim = createRun('run-1');
    store.journalFor('run-1', claim).append([start('run-1', 1)]);
    store.markRunStatus('run-1', 'interrupted');
    const takeover = store.claimRun('run-1', SECOND);
    expect(() => store.journalFor('run-1', claim).append([start('run-1', 2)])).toThrow(
      expect.objectContaining({ code: 'JOURNAL_ERROR', message: expect.stringContaining('taken over by another process') }),
    );
    store.journalFor('run-1', takeover).append([start('run-1', 2)]);
    expect(store.lastSeq('run-1')).toBe(2);
  });

  it('cancels an interrupted run as one compare-and-set, and not a running one', () => {
    createRun('run-1');
    expect(store.cancelInterrupted('run-1')).toBe(false);
    store.markRunStatus('run-1', 'interrupted');
    expect(store.cancelInterrupted('run-1')).toBe(true);
    expect(store.getRun('run-1')).toMatchObject({ status: 'cancelled', finishedAt: expect.any(Number) });
  });

  it('gives a claim up, leaving the run interrupted, only while it is still held', () => {
    const claim = createRun('run-1');
    store.releaseClaim(claim, 'interrupted');
    expect(store.getRun('run-1')?.status).toBe('interrupted');
    store.claimRun('run-1', SECOND);
    store.releaseClaim(claim, 'interrupted');
    expect(store.getRun('run-1')?.status).toBe('running');
  });
});
