import { existsSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** How often the file is looked for when no watch event came (a missed event, a watch-less file system), in ms. */
const POLL_INTERVAL_MS = 250;

/** Options of {@link waitForFile}. */
export interface WaitForFileOptions {
  /** Checked on each poll: `false` ends the wait with `gone` (whoever should write the file died). */
  readonly isWriterAlive?: () => boolean;
  /** Ends the wait with `timeout`, in ms; absent: no limit. */
  readonly timeoutMs?: number;
  /** Rejects with its reason. */
  readonly signal?: AbortSignal;
}

/**
 * Waits until `path` exists: woken by `fs.watch` on its folder, with a poll every 250 ms as the
 * fallback. `gone` when the writer died without writing it (checked again after, so a file
 * written just before the writer exited still counts).
 */
export function waitForFile(path: string, options: WaitForFileOptions = {}): Promise<'found' | 'gone' | 'timeout'> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let watcher: FSWatcher | undefined;
    let pollTimer: NodeJS.Timeout | undefined;
    let deadlineTimer: NodeJS.Timeout | undefined;
    let isDone = false;
    const done = (settle: () => void): void => {
      if (isDone) return;
      isDone = true;
      watcher?.close();
      clearTimeout(pollTimer);
      clearTimeout(deadlineTimer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = (): void => done(() => reject(signal?.reason));
    const check = (): boolean => {
      if (!existsSync(path)) return false;
      done(() => resolve('found'));
      return true;
    };
    const poll = (): void => {
      if (check()) return;
      if (options.isWriterAlive !== undefined && !options.isWriterAlive()) {
        if (!check()) done(() => resolve('gone'));
        return;
      }
      pollTimer = setTimeout(poll, POLL_INTERVAL_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const name = basename(path);
      watcher = watch(dirname(path), (_event, changed) => {
        if (changed === null || changed === name) check();
      });
      watcher.on('error', () => {});
    } catch {
      // No watch (folder gone, inotify limits): the poll alone finds it.
    }
    if (options.timeoutMs !== undefined) deadlineTimer = setTimeout(() => done(() => resolve('timeout')), options.timeoutMs);
    if (!check()) pollTimer = setTimeout(poll, POLL_INTERVAL_MS);
  });
}
