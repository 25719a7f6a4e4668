import { hostname } from 'node:os';
import { isHeartbeatStale } from '../core/index.js';
import { isZombieProcess, readProcessStartTicks } from './process-start-ticks.js';

/** How often a running run renews its heartbeat, in ms. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;

/** The process that executes a run. */
export interface ProcessOwner {
  readonly pid: number;
  readonly host: string;
  /** Clock ticks since boot at which the process started (Linux); undefined elsewhere. */
  readonly startTicks?: number;
}

/** An owner as a journal records it, with its heartbeat and claim. */
export interface RecordedProcessOwner extends ProcessOwner {
  /** Epoch ms of the last heartbeat. */
  readonly heartbeatAt?: number;
  /** A heartbeat older than this (ms) means the owner is gone. @default DEFAULT_STALE_AFTER_MS */
  readonly staleAfterMs?: number;
  /** The owner's claim on the run. */
  readonly token?: string;
}

let self: ProcessOwner | undefined;

/** This process as an owner: pid, host name and start time. */
export function currentOwner(): ProcessOwner {
  if (self === undefined) {
    const startTicks = readProcessStartTicks(process.pid);
    self = { pid: process.pid, host: hostname(), ...(startTicks === undefined ? {} : { startTicks }) };
  }
  return self;
}

// Claims this process holds right now: a run recorded as ours but whose claim is not here was
// left behind by an orchestrator of this process that stopped without closing it.
const heldClaims = new Set<string>();

/** Records that this process holds `token` (a run it executes); undo with {@link releaseHeldClaim}. */
export function holdClaim(token: string): void {
  heldClaims.add(token);
}

export function releaseHeldClaim(token: string): void {
  heldClaims.delete(token);
}

/**
 * Whether the recorded owner of a running run still runs it. Gone when its heartbeat is stale,
 * whatever its host; on this host, also when its pid is dead or now belongs to a process that
 * started at another time (a reused pid). An owner on another host with a fresh heartbeat is alive.
 */
export function isOwnerAlive(owner: RecordedProcessOwner, nowMs: number = Date.now()): boolean {
  if (isHeartbeatStale(owner, nowMs)) return false;
  if (owner.host !== hostname()) return true;
  const me = currentOwner();
  if (owner.pid === me.pid && (owner.startTicks === undefined || owner.startTicks === me.startTicks)) {
    return owner.token !== undefined && heldClaims.has(owner.token);
  }
  return isProcessAlive(owner.pid, owner.startTicks);
}

/** Whether `pid` runs and, when `startTicks` is known, is the process that started then (not a reuse of its pid). */
export function isProcessAlive(pid: number, startTicks?: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A killed process nobody reaped yet has stopped running.
  if (isZombieProcess(pid)) return false;
  if (startTicks === undefined) return true;
  const actual = readProcessStartTicks(pid);
  // No /proc to read: the pid answers, so count it alive.
  return actual === undefined || actual === startTicks;
}
