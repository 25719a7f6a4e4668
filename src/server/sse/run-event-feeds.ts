import { isRunEndEvent, type RunEvent } from '../../core/index.js';
import type { RunStore } from '../../store/index.js';
import { ReplayCache } from './replay-cache.js';

/** One client following a run: the feed hands it live events; it keeps its own cursor. */
export interface FeedFollower {
  /** A live event of the run (it may already have seen it in its replay: it checks the seq). */
  deliver(event: RunEvent): void;
  /** A keep-alive tick. */
  ping(): void;
  /** The run's execution ended (after its end event was delivered), or the server is closing. */
  end(): void;
}

export interface RunEventFeedsOptions {
  readonly store: RunStore;
  /** How often runs executed by other processes are read from the journal, in ms. @default 100 */
  readonly pollIntervalMs?: number;
  /** How often every follower gets a keep-alive comment, in ms. @default 15000 */
  readonly heartbeatIntervalMs?: number;
  /** Told every event read from the journal for a run of another process (metrics). */
  readonly onForeignEvent?: (event: RunEvent) => void;
  /** Encoded frames of followed runs kept for replays, in bytes. @default 64 MiB */
  readonly replayCacheBytes?: number;
}

interface RunFeed {
  readonly followers: Set<FeedFollower>;
  /** The highest seq handed to followers (or known to be in the journal when they joined). */
  lastSeq: number;
  /** Executed by this process: its events are published as they are journaled; else polled. */
  isLocal: boolean;
}

/** Events read per poll of one run, so one busy run cannot stall the others. */
const POLL_PAGE = 500;

/**
 * One fan-out per run, however many clients follow it. A run this server executes pushes its
 * events here as they are journaled; a run another process executes on the same journal (the CLI)
 * is read from the journal every `pollIntervalMs` — one read per run, not per client.
 */
export class RunEventFeeds {
  private readonly feeds = new Map<string, RunFeed>();
  private readonly localRuns = new Set<string>();
  private readonly pollTimer: NodeJS.Timeout;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private isClosed = false;
  /** Frames of followed runs, shared by the clients that replay them. */
  readonly replayCache: ReplayCache;

  constructor(private readonly options: RunEventFeedsOptions) {
    this.replayCache = new ReplayCache(options.replayCacheBytes ?? 64 * 1024 * 1024);
    this.pollTimer = setInterval(() => this.pollForeignRuns(), options.pollIntervalMs ?? 100);
    this.heartbeatTimer = setInterval(() => this.pingAll(), options.heartbeatIntervalMs ?? 15_000);
    // Neither timer may keep a process alive that is otherwise done (a library user's tests).
    this.pollTimer.unref();
    this.heartbeatTimer.unref();
  }

  /** Clients following some run now. */
  get followerCount(): number {
    let count = 0;
    for (const feed of this.feeds.values()) count += feed.followers.size;
    return count;
  }

  /** Whether this process executes the run now. */
  isLocal(runId: string): boolean {
    return this.localRuns.has(runId);
  }

  /** From now on the run's events come from {@link publish}: this process executes it. */
  attachLocal(runId: string): void {
    this.localRuns.add(runId);
    const feed = this.feeds.get(runId);
    if (feed !== undefined) feed.isLocal = true;
  }

  /** The run's execution in this process ended; followers still open (none should be) fall back to polling. */
  detachLocal(runId: string): void {
    this.localRuns.delete(runId);
    const feed = this.feeds.get(runId);
    if (feed !== undefined) feed.isLocal = false;
  }

  /** An event of a run this process executes, already journaled. */
  publish(event: RunEvent): void {
    const feed = this.feeds.get(event.runId);
    if (feed === undefined) return;
    this.handOut(feed, [event]);
  }

  /**
   * Adds a follower whose replay reached `seq` (everything up to it came from the journal). Call it
   * in the same tick as the replay's last read, so no event falls between the two.
   */
  follow(runId: string, seq: number, follower: FeedFollower): () => void {
    if (this.isClosed) {
      follower.end();
      return () => {};
    }
    let feed = this.feeds.get(runId);
    if (feed === undefined) {
      feed = { followers: new Set(), lastSeq: seq, isLocal: this.localRuns.has(runId) };
      this.feeds.set(runId, feed);
    }
    feed.lastSeq = Math.max(feed.lastSeq, seq);
    feed.followers.add(follower);
    const current = feed;
    return () => {
      current.followers.delete(follower);
      if (current.followers.size === 0 && this.feeds.get(runId) === current) this.feeds.delete(runId);
    };
  }

  /** Ends every follower and stops the timers. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    for (const feed of [...this.feeds.values()]) for (const follower of [...feed.followers]) follower.end();
    this.feeds.clear();
  }

  private handOut(feed: RunFeed, events: readonly RunEvent[]): void {
    this.replayCache.append(events[0]!.runId, events);
    for (const event of events) {
      if (event.seq > feed.lastSeq) feed.lastSeq = event.seq;
      for (const follower of [...feed.followers]) follower.deliver(event);
      if (isRunEndEvent(event)) for (const follower of [...feed.followers]) follower.end();
    }
  }

  private pollForeignRuns(): void {
    const { store } = this.options;
    for (const [runId, feed] of this.feeds) {
      if (feed.isLocal || feed.followers.size === 0) continue;
      try {
        const events = store.readEvents(runId, { afterSeq: feed.lastSeq, limit: POLL_PAGE });
        if (events.length > 0) {
          for (const event of events) this.options.onForeignEvent?.(event);
          this.handOut(feed, events);
        } else if (store.runStatus(runId) !== 'running') {
          // It ended without an end event we saw (its process died and someone marked it interrupted).
          for (const follower of [...feed.followers]) follower.end();
        }
      } catch {
        // A locked or busy journal is read again on the next tick; followers keep waiting.
      }
    }
  }

  private pingAll(): void {
    for (const feed of this.feeds.values()) for (const follower of feed.followers) follower.ping();
  }
}
