import { EnsembleError } from './errors.js';
import type { RunEvent, RunEventOf, RunEventType } from './events.js';

export type RunEventListener<T extends RunEventType> = (event: RunEventOf<T>) => void;
export type AnyRunEventListener = (event: RunEvent) => void;

/**
 * Typed fan-out of run events. A throwing listener is reported through `onListenerError` and
 * never stops delivery to the others, nor the run.
 */
export class EventHub {
  private readonly listeners = new Map<RunEventType | '*', Set<(event: RunEvent) => void>>();

  constructor(private readonly onListenerError: (error: unknown, event: RunEvent) => void = () => {}) {}

  /** Subscribes to one event type, or to all with `'*'`. Returns the unsubscribe function. */
  on<T extends RunEventType>(type: T, listener: RunEventListener<T>): () => void;
  on(type: '*', listener: AnyRunEventListener): () => void;
  on(type: RunEventType | '*', listener: (event: never) => void): () => void {
    let set = this.listeners.get(type);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(type, set);
    }
    const stored = listener as (event: RunEvent) => void;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  emit(event: RunEvent): void {
    this.deliver(this.listeners.get(event.type), event);
    this.deliver(this.listeners.get('*'), event);
  }

  /** Resolves with the first event of `type` that satisfies `predicate`; rejects with the signal's reason. */
  waitForEvent<T extends RunEventType>(
    type: T,
    predicate: (event: RunEventOf<T>) => boolean = () => true,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<RunEventOf<T>> {
    const { signal } = options;
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => {
        unsubscribe();
        reject(abortReason(signal!));
      };
      const unsubscribe = this.on(type, ((event: RunEventOf<T>) => {
        if (!predicate(event)) return;
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(event);
      }) as RunEventListener<T>);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private deliver(set: Set<(event: RunEvent) => void> | undefined, event: RunEvent): void {
    if (set === undefined || set.size === 0) return;
    for (const listener of set) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new EnsembleError('RUN_CANCELLED', 'wait aborted');
}
