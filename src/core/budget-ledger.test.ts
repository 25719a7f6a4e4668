import { describe, expect, it } from 'vitest';
import { BudgetLedger } from './budget-ledger.js';

describe('BudgetLedger', () => {
  it('lets calls through while they fit and replaces a reservation with the real spend', () => {
    const ledger = new BudgetLedger({ run: { tokens: 1000 } });
    const first = ledger.reserve({ taskId: 'a', agentName: 'x', tokens: 600, costUsd: 0 });
    expect(() => ledger.reserve({ taskId: 'b', agentName: 'x', tokens: 500, costUsd: 0 })).toThrow(/cross the 1000 tokens cap of the run/);
    first.commit({ tokens: 200, costUsd: 0 });
    expect(ledger.spent('run').tokens).toBe(200);
    const second = ledger.reserve({ taskId: 'b', agentName: 'x', tokens: 500, costUsd: 0 });
    second.release();
    expect(ledger.spent('run').tokens).toBe(200);
  });

  it('names the cap that stops a call: task, agent or run, and dollars as well as tokens', () => {
    const ledger = new BudgetLedger({ run: { costUsd: 1 }, agents: { writer: { tokens: 100 } }, tasks: { tiny: { tokens: 10 } } });
    const error = (() => {
      try {
        ledger.reserve({ taskId: 'tiny', agentName: 'writer', tokens: 50, costUsd: 0 });
      } catch (caught) {
        return caught as { code: string; retryable: boolean; details: Record<string, unknown> };
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', retryable: false, details: { cap: 'task', name: 'tiny' } });
    expect(() => ledger.reserve({ taskId: 'other', agentName: 'writer', tokens: 150, costUsd: 0 })).toThrow(/agent "writer"/);
    expect(() => ledger.reserve({ taskId: 'other', agentName: 'reader', tokens: 1, costUsd: 2 })).toThrow(/\$1 cap of the run/);
  });

  it('settles a reservation once', () => {
    const ledger = new BudgetLedger({ run: { tokens: 100 } });
    const reservation = ledger.reserve({ taskId: 'a', agentName: 'x', tokens: 50, costUsd: 0 });
    reservation.commit({ tokens: 40, costUsd: 0 });
    reservation.release();
    expect(ledger.spent('run').tokens).toBe(40);
  });

  it('counts spend recorded from before a resume against every cap', () => {
    const ledger = new BudgetLedger({ run: { tokens: 100 }, agents: { writer: { tokens: 60 } } });
    ledger.record({ taskId: 'done-earlier', agentName: 'writer', tokens: 50, costUsd: 0.1 });
    expect(ledger.spent('agent', 'writer')).toEqual({ tokens: 50, costUsd: 0.1 });
    expect(() => ledger.reserve({ taskId: 'next', agentName: 'writer', tokens: 20, costUsd: 0 })).toThrow(/agent "writer"/);
    expect(() => ledger.reserve({ taskId: 'next', agentName: 'reader', tokens: 60, costUsd: 0 })).toThrow(/of the run/);
  });

  it('reports whether any cap is set', () => {
    expect(new BudgetLedger({}).isCapped).toBe(false);
    expect(new BudgetLedger({ tasks: {} }).isCapped).toBe(false);
    expect(new BudgetLedger({ agents: { a: { tokens: 1 } } }).isCapped).toBe(true);
  });
});
