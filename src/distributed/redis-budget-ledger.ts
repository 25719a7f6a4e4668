import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { EnsembleError, budgetExceededError } from '../core/index.js';
import type { BudgetCap, BudgetCaps, BudgetCharge, BudgetHold, BudgetPort, BudgetScope } from '../core/index.js';
import { DEFAULT_REDIS_PREFIX, type RedisConnector } from './redis-connection.js';
import { RENEW_SCRIPT, RESERVE_SCRIPT, SETTLE_SCRIPT } from './redis-budget-scripts.js';

/** The {@link BudgetPort} every worker of a distributed run shares, kept in Redis. */
export interface RedisBudgetLedger extends BudgetPort {
  /**
   * Waits for settles already made to reach Redis, stops renewing holds and closes the connection.
   * Holds still outstanding are left to expire. Rejects (INTERNAL) if a settle could not be written.
   */
  close(): Promise<void>;
}

export interface RedisBudgetLedgerOptions {
  /** Opens the ledger's own connection. */
  readonly connect: RedisConnector;
  /** Keys live under `<prefix>:budget:<runId>:`. @default 'ensemble' */
  readonly prefix?: string;
  readonly runId: string;
  /** The run's caps; every ledger of one run must be given the same. */
  readonly caps: BudgetCaps;
  /** How often a waiting reserve asks again whether it fits now, in ms. @default 50 */
  readonly pollMs?: number;
  /**
   * How long a hold outlives its worker, in ms: the ledger renews its holds every third of this,
   * so only a dead worker's holds expire. @default 900000 (15 min)
   */
  readonly holdTtlMs?: number;
}

export interface SeedRedisBudgetOptions {
  readonly connect: RedisConnector;
  /** @default 'ensemble' */
  readonly prefix?: string;
  readonly runId: string;
  /** Everything the run has spent (from its journal): the committed totals become exactly these. */
  readonly spent: readonly BudgetCharge[];
}

const DEFAULT_POLL_MS = 50;
const DEFAULT_HOLD_TTL_MS = 15 * 60_000;
/** Dollars are kept as integer nano-dollars: Redis counters are integers and sums stay exact. */
const NANO_PER_USD = 1e9;
const SCOPES = ['task', 'agent', 'run'] as const satisfies readonly BudgetScope[];
const RESERVE_COMMAND = 'ensembleBudgetReserve';
const SETTLE_COMMAND = 'ensembleBudgetSettle';
const RENEW_COMMAND = 'ensembleBudgetRenew';

const amountSchema = z.number().int();
const reserveReplySchema = z.tuple([z.enum(['granted', 'wait', 'refused']), z.array(amountSchema).length(12), amountSchema]);
const counterSchema = z.string().regex(/^-?\d+$/).nullable();

type ScriptCall = (...arguments_: string[]) => Promise<unknown>;

interface LineAmounts {
  readonly scope: BudgetScope;
  readonly name: string;
  readonly cap: BudgetCap | undefined;
  readonly committedTokens: number;
  readonly committedNanoUsd: number;
  readonly heldTokens: number;
  readonly heldNanoUsd: number;
}

/**
 * The run's budget in Redis, shared by the coordinator and every worker: the same semantics as the
 * in-process `BudgetLedger` (committed and held kept apart; a call that fits committed spend waits
 * for holds to settle; BUDGET_EXCEEDED when it cannot fit committed spend alone), each check and
 * hold one Lua script, so no two workers can both take the last room under a cap.
 *
 * A waiting reserve asks again every `pollMs`, and at once when a hold of this ledger settles; it
 * does not keep the arrival order across workers that the in-process ledger keeps.
 *
 * A hold expires `holdTtlMs` after its last renewal. A worker killed with a hold outstanding stops
 * renewing it, and the next reserve of any worker drops it, so the run is not blocked for ever; what
 * that call spent is then unknown to the caps (if the worker comes back and commits, it counts). The
 * coordinator's journal still records what workers reported, and `seedRedisBudget` resets the
 * committed totals from it at start and resume.
 */
export function createRedisBudgetLedger(options: RedisBudgetLedgerOptions): RedisBudgetLedger {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const holdTtlMs = options.holdTtlMs ?? DEFAULT_HOLD_TTL_MS;
  if (!(pollMs > 0) || !(holdTtlMs > 0)) {
    throw new EnsembleError('INVALID_CONFIG', `budget ledger of run "${options.runId}": pollMs (${pollMs}) and holdTtlMs (${holdTtlMs}) must be positive`);
  }
  const { caps, runId } = options;
  const keys = budgetKeys(options.prefix ?? DEFAULT_REDIS_PREFIX, runId);
  const redis = options.connect();
  const reserveScript = defineScript(redis, RESERVE_COMMAND, RESERVE_SCRIPT);
  const settleScript = defineScript(redis, SETTLE_COMMAND, SETTLE_SCRIPT);
  const renewScript = defineScript(redis, RENEW_COMMAND, RENEW_SCRIPT);

  const outstandingHolds = new Set<string>();
  const pendingSettles = new Set<Promise<void>>();
  const settleFailures: unknown[] = [];
  /** Waiting reserves of this ledger, woken when one of its holds settles. */
  const wakers = new Set<() => void>();
  let renewTimer: NodeJS.Timeout | undefined;
  let isClosed = false;

  const wakeWaiters = (): void => {
    for (const wake of [...wakers]) wake();
  };

  const renewHolds = (): void => {
    if (outstandingHolds.size === 0) return;
    // A failed renewal is retried at the next tick; at worst the hold expires, as a dead worker's would.
    renewScript(...keys.all, String(holdTtlMs), ...outstandingHolds).catch(() => undefined);
  };

  const trackHold = (holdId: string): void => {
    outstandingHolds.add(holdId);
    if (renewTimer === undefined) {
      renewTimer = setInterval(renewHolds, Math.max(1, Math.floor(holdTtlMs / 3)));
      renewTimer.unref();
    }
  };

  const untrackHold = (holdId: string): void => {
    outstandingHolds.delete(holdId);
    if (outstandingHolds.size === 0 && renewTimer !== undefined) {
      clearInterval(renewTimer);
      renewTimer = undefined;
    }
  };

  /** Writes a settle; `commit`/`release` are synchronous, so the write is tracked until `close`. */
  const settleInRedis = (holdId: string, charge: BudgetCharge, tokens: number, nanoUsd: number): Promise<void> => {
    const written = settleScript(...keys.all, holdId, charge.taskId, charge.agentName, String(tokens), String(nanoUsd)).then(
      () => {
        pendingSettles.delete(written);
        wakeWaiters();
      },
      (error: unknown) => {
        pendingSettles.delete(written);
        settleFailures.push(error);
        wakeWaiters();
      },
    );
    pendingSettles.add(written);
    return written;
  };

  const makeHold = (holdId: string, charge: BudgetCharge): BudgetHold => {
    trackHold(holdId);
    let isSettled = false;
    const settle = (tokens: number, nanoUsd: number): void => {
      if (isSettled) return;
      isSettled = true;
      untrackHold(holdId);
      void settleInRedis(holdId, charge, tokens, nanoUsd);
    };
    return {
      commit: (actual) => settle(spendOf(actual.tokens), spendOf(toNanoUsd(actual.costUsd))),
      release: () => settle(0, 0),
    };
  };

  /** Resolves after `pollMs` or when a hold of this ledger settles; rejects with the reason on abort. */
  const waitForChange = (signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      // An abort during the last script call fired no event this listener could still catch.
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const finish = (): void => {
        clearTimeout(timer);
        wakers.delete(finish);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        wakers.delete(finish);
        reject(signal.reason);
      };
      const timer = setTimeout(finish, pollMs);
      wakers.add(finish);
      signal.addEventListener('abort', onAbort, { once: true });
    });

  const assertOpen = (): void => {
    if (isClosed) throw new EnsembleError('INTERNAL', `the budget ledger of run "${runId}" is closed`, { details: { runId } });
  };

  return {
    isCapped: isCapped(caps),

    async reserve(charge, { signal }) {
      if (signal.aborted) throw signal.reason;
      assertOpen();
      const tokens = Math.round(charge.tokens);
      const nanoUsd = toNanoUsd(charge.costUsd);
      if (!Number.isFinite(tokens) || !Number.isFinite(nanoUsd)) {
        throw new EnsembleError('INVALID_INPUT', `task "${charge.taskId}": a budget charge needs finite tokens and costUsd, got ${charge.tokens} and ${charge.costUsd}`, {
          details: { taskId: charge.taskId },
        });
      }
      const holdId = randomUUID();
      const capArguments = SCOPES.flatMap((scope) => capArgumentsOf(capOf(caps, scope, charge)));
      for (;;) {
        const reply = reserveReplySchema.parse(
          await reserveScript(...keys.all, holdId, charge.taskId, charge.agentName, String(tokens), String(nanoUsd), String(holdTtlMs), ...capArguments),
        );
        const [status, amounts] = reply;
        if (status === 'granted') {
          const hold = makeHold(holdId, charge);
          // Aborted while the script ran: the caller no longer wants the hold.
          if (signal.aborted) {
            hold.release();
            throw signal.reason;
          }
          return hold;
        }
        if (status === 'refused') throw refusalOf(charge, linesOf(caps, charge, amounts));
        await waitForChange(signal);
        assertOpen();
      }
    },

    async record(charge) {
      assertOpen();
      await settleScript(...keys.all, '', charge.taskId, charge.agentName, String(spendOf(charge.tokens)), String(spendOf(toNanoUsd(charge.costUsd))));
      wakeWaiters();
    },

    async spent(scope, name = 'run') {
      assertOpen();
      const field = scope === 'run' ? 'run:run' : `${scope}:${name}`;
      const [tokens, nanoUsd] = z.tuple([counterSchema, counterSchema]).parse(await redis.hmget(keys.committed, `${field}:tokens`, `${field}:nanoUsd`));
      return { tokens: Number(tokens ?? 0), costUsd: Number(nanoUsd ?? 0) / NANO_PER_USD };
    },

    async close() {
      if (isClosed) return;
      isClosed = true;
      if (renewTimer !== undefined) clearInterval(renewTimer);
      renewTimer = undefined;
      wakeWaiters();
      await Promise.allSettled([...pendingSettles]);
      await redis.quit().catch(() => redis.disconnect());
      if (settleFailures.length > 0) {
        throw new EnsembleError('INTERNAL', `budget ledger of run "${runId}": ${settleFailures.length} settled call(s) could not be written to Redis`, {
          details: { runId, failures: settleFailures.length },
          cause: settleFailures[0],
        });
      }
    },
  };
}

/**
 * Resets the committed totals of `runId` to exactly `spent` and drops every hold, in one
 * transaction: the coordinator calls it at start and at resume, with the spend its journal holds.
 */
export async function seedRedisBudget(options: SeedRedisBudgetOptions): Promise<void> {
  const keys = budgetKeys(options.prefix ?? DEFAULT_REDIS_PREFIX, options.runId);
  const totals = new Map<string, number>();
  const add = (field: string, amount: number): void => void totals.set(field, (totals.get(field) ?? 0) + amount);
  for (const charge of options.spent) {
    for (const field of [`task:${charge.taskId}`, `agent:${charge.agentName}`, 'run:run']) {
      add(`${field}:tokens`, spendOf(charge.tokens));
      add(`${field}:nanoUsd`, spendOf(toNanoUsd(charge.costUsd)));
    }
  }
  const redis = options.connect();
  try {
    const transaction = redis.multi().del(...keys.all);
    if (totals.size > 0) transaction.hset(keys.committed, Object.fromEntries([...totals].map(([field, amount]) => [field, String(amount)])));
    const results = await transaction.exec();
    const failure = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failure !== undefined) {
      throw new EnsembleError('INTERNAL', `could not seed the budget of run "${options.runId}" in Redis`, { details: { runId: options.runId }, cause: failure });
    }
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** The run's keys, in the order the scripts expect them. */
function budgetKeys(prefix: string, runId: string): { readonly committed: string; readonly all: readonly [string, string, string, string] } {
  const base = `${prefix}:budget:${runId}`;
  const committed = `${base}:committed`;
  return { committed, all: [committed, `${base}:holds`, `${base}:expiries`, `${base}:settled`] };
}

function defineScript(redis: Redis, name: string, lua: string): ScriptCall {
  redis.defineCommand(name, { numberOfKeys: 4, lua });
  // defineCommand adds a method ioredis's types do not know (EVALSHA, falling back to EVAL after a restart).
  const command = (redis as unknown as Record<string, ScriptCall>)[name]!;
  return (...arguments_) => command.apply(redis, arguments_);
}

function isCapped(caps: BudgetCaps): boolean {
  return caps.run !== undefined || Object.keys(caps.agents ?? {}).length > 0 || Object.keys(caps.tasks ?? {}).length > 0;
}

function capOf(caps: BudgetCaps, scope: BudgetScope, charge: BudgetCharge): BudgetCap | undefined {
  return scope === 'task' ? caps.tasks?.[charge.taskId] : scope === 'agent' ? caps.agents?.[charge.agentName] : caps.run;
}

function capArgumentsOf(cap: BudgetCap | undefined): [string, string] {
  return [cap?.tokens === undefined ? '' : String(cap.tokens), cap?.costUsd === undefined ? '' : String(toNanoUsd(cap.costUsd))];
}

/** A settled amount as a counter increment: whole, and never negative or NaN (an unknown price adds nothing). */
function spendOf(amount: number): number {
  return Number.isFinite(amount) ? Math.max(0, Math.round(amount)) : 0;
}

function toNanoUsd(costUsd: number): number {
  return Math.round(costUsd * NANO_PER_USD);
}

function linesOf(caps: BudgetCaps, charge: BudgetCharge, amounts: readonly number[]): LineAmounts[] {
  return SCOPES.map((scope, index) => ({
    scope,
    name: scope === 'task' ? charge.taskId : scope === 'agent' ? charge.agentName : 'run',
    cap: capOf(caps, scope, charge),
    committedTokens: amounts[index * 4] ?? 0,
    committedNanoUsd: amounts[index * 4 + 1] ?? 0,
    heldTokens: amounts[index * 4 + 2] ?? 0,
    heldNanoUsd: amounts[index * 4 + 3] ?? 0,
  }));
}

/**
 * The same BUDGET_EXCEEDED (message and details) as the in-process ledger, for the first cap the
 * charge crosses against committed spend, decided from the amounts the reserve script saw.
 */
function refusalOf(charge: BudgetCharge, lines: readonly LineAmounts[]): EnsembleError {
  const tokens = Math.round(charge.tokens);
  const nanoUsd = toNanoUsd(charge.costUsd);
  for (const line of lines) {
    const { cap } = line;
    if (cap === undefined) continue;
    const crossesTokens = cap.tokens !== undefined && line.committedTokens + tokens > cap.tokens;
    const crossesCost = cap.costUsd !== undefined && line.committedNanoUsd + nanoUsd > toNanoUsd(cap.costUsd);
    if (!crossesTokens && !crossesCost) continue;
    return budgetExceededError(charge, {
      scope: line.scope,
      name: line.name,
      cap,
      crosses: crossesTokens ? 'tokens' : 'costUsd',
      committed: { tokens: line.committedTokens, costUsd: line.committedNanoUsd / NANO_PER_USD },
      held: { tokens: line.heldTokens, costUsd: line.heldNanoUsd / NANO_PER_USD },
    });
  }
  // The script refused, so some line crossed; only a cap changed between workers can land here.
  return new EnsembleError('BUDGET_EXCEEDED', `task "${charge.taskId}" stopped: its model call would cross a cap of the run`, {
    retryable: false,
    details: { requested: { tokens: charge.tokens, costUsd: charge.costUsd } },
  });
}
