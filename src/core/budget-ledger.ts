import { EnsembleError } from './errors.js';
import type { BudgetHold, BudgetPort } from './ports.js';
import type { BudgetCap, RunConfig, TaskSpec } from './schema.js';
import type { PriorTaskResult, TaskSpend } from './types.js';

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

/** What one scope (the run, an agent, a task) has spent for sure, and what calls in flight hold. */
interface Account {
  committedTokens: number;
  committedCostUsd: number;
  heldTokens: number;
  heldCostUsd: number;
}

interface Line {
  readonly scope: BudgetScope;
  readonly name: string;
  readonly cap: BudgetCap | undefined;
  readonly account: Account;
}

interface Waiter {
  readonly charge: BudgetCharge;
  readonly lines: readonly Line[];
  readonly grant: () => void;
  readonly refuse: (error: EnsembleError) => void;
}

/** The caps of a run: its config's run and agent caps, and each task's own `budget`. */
export function budgetCapsOf(config: RunConfig, tasks: readonly TaskSpec[]): BudgetCaps {
  const taskCaps = Object.fromEntries(tasks.filter((task) => task.budget !== undefined).map((task) => [task.id, task.budget!]));
  return {
    ...(config.budget?.run === undefined ? {} : { run: config.budget.run }),
    ...(config.budget?.agents === undefined ? {} : { agents: config.budget.agents }),
    tasks: taskCaps,
  };
}

/**
 * The run's budget, or undefined when no cap is set. A resumed run has already spent what its
 * earlier attempts used (finished tasks and unfinished ones alike): the caps cover the whole run.
 */
export function createRunBudget(
  config: RunConfig,
  tasks: readonly TaskSpec[],
  prior?: { readonly completed: ReadonlyMap<string, PriorTaskResult>; readonly spend?: ReadonlyMap<string, TaskSpend> },
): BudgetLedger | undefined {
  const caps = budgetCapsOf(config, tasks);
  const spent: BudgetCharge[] = [];
  for (const task of tasks) {
    const earlier = prior?.completed.get(task.id) ?? prior?.spend?.get(task.id);
    if (earlier !== undefined) spent.push({ taskId: task.id, agentName: task.agentName, tokens: earlier.usage.totalTokens, costUsd: earlier.costUsd });
  }
  const ledger = new BudgetLedger(caps, { spent });
  return ledger.isCapped ? ledger : undefined;
}

/** Whether `taskId` of `agentName` runs under a dollar cap (its model then needs a known price). */
export function hasCostCap(caps: BudgetCaps, taskId: string, agentName: string): boolean {
  return caps.run?.costUsd !== undefined || caps.agents?.[agentName]?.costUsd !== undefined || caps.tasks?.[taskId]?.costUsd !== undefined;
}

/**
 * Run, agent and task spending caps, shared by every model call of a run: the in-process
 * {@link BudgetPort}. A call holds its worst case (prompt tokens + max output tokens) before it
 * starts; the hold is replaced by what the call really spent when it settles, failed and aborted
 * calls included. Held and committed amounts are kept apart: a call that would cross a cap only
 * because of other calls' holds waits for them to settle (a promise, no timer), and is refused
 * only when it cannot fit against committed spend alone, so no call starts that could cross a cap.
 */
export class BudgetLedger implements BudgetPort {
  private readonly run: Account = newAccount();
  private readonly agents = new Map<string, Account>();
  private readonly tasks = new Map<string, Account>();
  private readonly waiters: Waiter[] = [];

  /** @param options.spent spend that already happened (a resumed run's earlier attempts), counted against every cap. */
  constructor(
    private readonly caps: BudgetCaps,
    options: { readonly spent?: readonly BudgetCharge[] } = {},
  ) {
    for (const charge of options.spent ?? []) this.commitNow(charge);
  }

  get isCapped(): boolean {
    return this.caps.run !== undefined || Object.keys(this.caps.agents ?? {}).length > 0 || Object.keys(this.caps.tasks ?? {}).length > 0;
  }

  reserve(charge: BudgetCharge, options: { readonly signal: AbortSignal }): Promise<BudgetHold> {
    const { signal } = options;
    if (signal.aborted) return Promise.reject(signal.reason);
    const lines = this.linesOf(charge);
    const refusal = refusalOf(charge, lines);
    if (refusal !== undefined) return Promise.reject(refusal);
    if (fits(charge, lines)) return Promise.resolve(this.hold(charge, lines));
    return new Promise<BudgetHold>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        charge,
        lines,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.hold(charge, lines));
        },
        refuse: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  record(charge: BudgetCharge): Promise<void> {
    this.commitNow(charge);
    this.settleWaiters();
    return Promise.resolve();
  }

  spent(scope: BudgetScope, name = 'run'): Promise<{ readonly tokens: number; readonly costUsd: number }> {
    const account = scope === 'run' ? this.run : scope === 'agent' ? this.agents.get(name) : this.tasks.get(name);
    return Promise.resolve({ tokens: account?.committedTokens ?? 0, costUsd: account?.committedCostUsd ?? 0 });
  }

  /** Amounts held by calls in flight, for reports and tests. */
  held(scope: BudgetScope, name = 'run'): { readonly tokens: number; readonly costUsd: number } {
    const account = scope === 'run' ? this.run : scope === 'agent' ? this.agents.get(name) : this.tasks.get(name);
    return { tokens: account?.heldTokens ?? 0, costUsd: account?.heldCostUsd ?? 0 };
  }

  /** Calls waiting for holds to settle. */
  get waiting(): number {
    return this.waiters.length;
  }

  private commitNow(charge: BudgetCharge): void {
    for (const line of this.linesOf(charge)) {
      line.account.committedTokens += charge.tokens;
      line.account.committedCostUsd += charge.costUsd;
    }
  }

  private hold(charge: BudgetCharge, lines: readonly Line[]): BudgetHold {
    for (const line of lines) {
      line.account.heldTokens += charge.tokens;
      line.account.heldCostUsd += charge.costUsd;
    }
    let isSettled = false;
    const settle = (tokens: number, costUsd: number): void => {
      if (isSettled) return;
      isSettled = true;
      for (const line of lines) {
        line.account.heldTokens -= charge.tokens;
        line.account.heldCostUsd -= charge.costUsd;
        line.account.committedTokens += tokens;
        line.account.committedCostUsd += costUsd;
      }
      this.settleWaiters();
    };
    return {
      commit: (actual) => settle(Math.max(0, actual.tokens), Math.max(0, actual.costUsd)),
      release: () => settle(0, 0),
    };
  }

  /** After a hold settled: grants waiters that fit now and refuses those that never will, in arrival order. */
  private settleWaiters(): void {
    for (let index = 0; index < this.waiters.length; ) {
      const waiter = this.waiters[index]!;
      const refusal = refusalOf(waiter.charge, waiter.lines);
      if (refusal !== undefined) {
        this.waiters.splice(index, 1);
        waiter.refuse(refusal);
      } else if (fits(waiter.charge, waiter.lines)) {
        this.waiters.splice(index, 1);
        // Granting holds budget, so later waiters are checked against it.
        waiter.grant();
      } else {
        index++;
      }
    }
  }

  private linesOf(charge: BudgetCharge): Line[] {
    return [
      { scope: 'task', name: charge.taskId, cap: this.caps.tasks?.[charge.taskId], account: accountOf(this.tasks, charge.taskId) },
      { scope: 'agent', name: charge.agentName, cap: this.caps.agents?.[charge.agentName], account: accountOf(this.agents, charge.agentName) },
      { scope: 'run', name: 'run', cap: this.caps.run, account: this.run },
    ];
  }
}

function newAccount(): Account {
  return { committedTokens: 0, committedCostUsd: 0, heldTokens: 0, heldCostUsd: 0 };
}

function accountOf(map: Map<string, Account>, key: string): Account {
  let account = map.get(key);
  if (account === undefined) {
    account = newAccount();
    map.set(key, account);
  }
  return account;
}

/** Whether the charge fits every cap counting both committed spend and other calls' holds. */
function fits(charge: BudgetCharge, lines: readonly Line[]): boolean {
  return lines.every(
    ({ cap, account }) =>
      cap === undefined ||
      ((cap.tokens === undefined || account.committedTokens + account.heldTokens + charge.tokens <= cap.tokens) &&
        (cap.costUsd === undefined || account.committedCostUsd + account.heldCostUsd + charge.costUsd <= cap.costUsd)),
  );
}

/** BUDGET_EXCEEDED when the charge cannot fit a cap even once every hold has settled (committed spend only grows). */
function refusalOf(charge: BudgetCharge, lines: readonly Line[]): EnsembleError | undefined {
  for (const { scope, name, cap, account } of lines) {
    if (cap === undefined) continue;
    const crossesTokens = cap.tokens !== undefined && account.committedTokens + charge.tokens > cap.tokens;
    const crossesCost = cap.costUsd !== undefined && account.committedCostUsd + charge.costUsd > cap.costUsd;
    if (!crossesTokens && !crossesCost) continue;
    return budgetExceededError(charge, {
      scope,
      name,
      cap,
      crosses: crossesTokens ? 'tokens' : 'costUsd',
      committed: { tokens: account.committedTokens, costUsd: account.committedCostUsd },
      held: { tokens: account.heldTokens, costUsd: account.heldCostUsd },
    });
  }
  return undefined;
}

/** Which cap a refused charge would cross, and the account it was checked against. */
export interface BudgetRefusal {
  readonly scope: BudgetScope;
  readonly name: string;
  readonly cap: BudgetCap;
  /** The bound crossed: tokens, else dollars. */
  readonly crosses: 'tokens' | 'costUsd';
  readonly committed: { readonly tokens: number; readonly costUsd: number };
  readonly held: { readonly tokens: number; readonly costUsd: number };
}

/** The BUDGET_EXCEEDED every ledger (memory, Redis) refuses with: it names the task, the cap and the amounts. */
export function budgetExceededError(charge: BudgetCharge, refusal: BudgetRefusal): EnsembleError {
  const { scope, name, cap, committed, held } = refusal;
  const what = refusal.crosses === 'tokens' ? `${cap.tokens} tokens` : `$${cap.costUsd}`;
  const label = scope === 'run' ? 'the run' : `${scope} "${name}"`;
  return new EnsembleError(
    'BUDGET_EXCEEDED',
    `task "${charge.taskId}" stopped: its model call could use ${charge.tokens} tokens ($${charge.costUsd.toFixed(4)}), which would cross the ${what} cap of ${label} ` +
      `(committed: ${committed.tokens} tokens, $${committed.costUsd.toFixed(4)}; held by calls in flight: ${held.tokens} tokens, $${held.costUsd.toFixed(4)})`,
    { retryable: false, details: { cap: scope, name, limit: cap, committed, held, requested: { tokens: charge.tokens, costUsd: charge.costUsd } } },
  );
}
