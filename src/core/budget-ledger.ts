import { EnsembleError } from './errors.js';
import type { BudgetCap } from './schema.js';

/** Which cap a charge counts against. */
export type BudgetScope = 'run' | 'agent' | 'task';

export interface BudgetCaps {
  readonly run?: BudgetCap;
  readonly agents?: Readonly<Record<string, BudgetCap>>;
  /** Per task id. */
  readonly tasks?: Readonly<Record<string, BudgetCap>>;
}

export interface BudgetCharge {
  readonly taskId: string;
  readonly agentName: string;
  readonly tokens: number;
  readonly costUsd: number;
}

interface Spend {
  tokens: number;
  costUsd: number;
}

/** A hold on budget for one model call; settle it with what the call really spent. */
export interface BudgetReservation {
  commit(actual: { readonly tokens: number; readonly costUsd: number }): void;
  release(): void;
}

/**
 * Run, agent and task spending caps, shared by every model call of a run. A call reserves its
 * worst case (prompt tokens + max output tokens) before it starts, so no call begins that could
 * cross a cap; the reservation is replaced by the real spend when the call ends.
 */
export class BudgetLedger {
  private readonly run: Spend = { tokens: 0, costUsd: 0 };
  private readonly agents = new Map<string, Spend>();
  private readonly tasks = new Map<string, Spend>();

  constructor(private readonly caps: BudgetCaps) {}

  /** Whether any cap is set at all (callers skip estimation when not). */
  get isCapped(): boolean {
    return this.caps.run !== undefined || Object.keys(this.caps.agents ?? {}).length > 0 || Object.keys(this.caps.tasks ?? {}).length > 0;
  }

  /** Throws BUDGET_EXCEEDED (not retryable) naming the cap, when `charge` would cross one. */
  reserve(charge: BudgetCharge): BudgetReservation {
    const scopes: [BudgetScope, string, BudgetCap | undefined, Spend][] = [
      ['task', charge.taskId, this.caps.tasks?.[charge.taskId], this.spendOf(this.tasks, charge.taskId)],
      ['agent', charge.agentName, this.caps.agents?.[charge.agentName], this.spendOf(this.agents, charge.agentName)],
      ['run', 'run', this.caps.run, this.run],
    ];
    for (const [scope, name, cap, spend] of scopes) {
      if (cap === undefined) continue;
      const crossesTokens = cap.tokens !== undefined && spend.tokens + charge.tokens > cap.tokens;
      const crossesCost = cap.costUsd !== undefined && spend.costUsd + charge.costUsd > cap.costUsd;
      if (crossesTokens || crossesCost) {
        const what = crossesTokens ? `${cap.tokens} tokens` : `$${cap.costUsd}`;
        const label = scope === 'run' ? 'the run' : `${scope} "${name}"`;
        throw new EnsembleError(
          'BUDGET_EXCEEDED',
          `task "${charge.taskId}" stopped: its model call could use ${charge.tokens} tokens ($${charge.costUsd.toFixed(4)}), which would cross the ${what} cap of ${label} (spent so far: ${spend.tokens} tokens, $${spend.costUsd.toFixed(4)})`,
          { retryable: false, details: { cap: scope, name, limit: cap, spent: { ...spend }, requested: { tokens: charge.tokens, costUsd: charge.costUsd } } },
        );
      }
    }
    for (const [, , , spend] of scopes) {
      spend.tokens += charge.tokens;
      spend.costUsd += charge.costUsd;
    }
    let isSettled = false;
    const settle = (tokens: number, costUsd: number): void => {
      if (isSettled) return;
      isSettled = true;
      for (const [, , , spend] of scopes) {
        spend.tokens += tokens - charge.tokens;
        spend.costUsd += costUsd - charge.costUsd;
      }
    };
    return {
      commit: (actual) => settle(actual.tokens, actual.costUsd),
      release: () => settle(0, 0),
    };
  }

  /** Counts spend that already happened (tasks finished before a resume) without checking caps. */
  record(charge: BudgetCharge): void {
    for (const spend of [this.spendOf(this.tasks, charge.taskId), this.spendOf(this.agents, charge.agentName), this.run]) {
      spend.tokens += charge.tokens;
      spend.costUsd += charge.costUsd;
    }
  }

  /** Spend so far, for reports. */
  spent(scope: BudgetScope, name = 'run'): { readonly tokens: number; readonly costUsd: number } {
    const spend = scope === 'run' ? this.run : scope === 'agent' ? this.agents.get(name) : this.tasks.get(name);
    return { tokens: spend?.tokens ?? 0, costUsd: spend?.costUsd ?? 0 };
  }

  private spendOf(map: Map<string, Spend>, key: string): Spend {
    let spend = map.get(key);
    if (spend === undefined) {
      spend = { tokens: 0, costUsd: 0 };
      map.set(key, spend);
    }
    return spend;
  }
}
