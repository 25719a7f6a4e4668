import type { RunEvent, SharedContextEntry } from '../core/index.js';

/** Every version of every key of a run's shared context store: key → versions, oldest first. Keys in the order first written. */
export type SharedContextHistory = ReadonlyMap<string, readonly SharedContextEntry[]>;

/**
 * The shared context store's history, folded from a run's journaled events (its `context:update`
 * events; others are ignored): who changed what, when, at which version. A version journaled twice
 * (never expected) keeps its last record. Pure: `runs show` and the HTTP API read it from the journal.
 */
export function toSharedContextHistory(events: Iterable<RunEvent>): SharedContextHistory {
  const byKey = new Map<string, Map<number, SharedContextEntry>>();
  for (const event of events) {
    if (event.type !== 'context:update') continue;
    let versions = byKey.get(event.key);
    if (versions === undefined) {
      versions = new Map();
      byKey.set(event.key, versions);
    }
    versions.set(event.version, { key: event.key, value: event.value, version: event.version, agentName: event.agentName, taskId: event.taskId, at: event.at });
  }
  const history = new Map<string, readonly SharedContextEntry[]>();
  for (const [key, versions] of byKey) history.set(key, [...versions.values()].sort((a, b) => a.version - b.version));
  return history;
}
