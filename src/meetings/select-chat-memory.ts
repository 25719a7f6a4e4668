import type { MemoryEntry } from '../store/index.js';

/** The part of an agent's memory recalled into a chat prompt. */
export interface ChatMemorySelection {
  /** Recalled entries, oldest first: whole exchanges only. */
  readonly entries: readonly MemoryEntry[];
  /** Earlier entries left out (beyond the exchange limit or the token budget). */
  readonly omittedCount: number;
  /** Estimated tokens of the recalled entries. */
  readonly tokens: number;
}

/**
 * Picks the most recent whole exchanges (a `user` entry with the replies and notes after it)
 * that fit both `maxExchanges` and `maxTokens`, newest first, so the oldest are dropped first and
 * a reply never appears without the message it answered. Entries come oldest first.
 */
export function selectChatMemory(
  entries: readonly MemoryEntry[],
  limits: { readonly maxExchanges: number; readonly maxTokens: number },
): ChatMemorySelection {
  const exchanges: MemoryEntry[][] = [];
  for (const entry of entries) {
    const current = exchanges.at(-1);
    if (entry.role === 'user' || current === undefined) exchanges.push([entry]);
    else current.push(entry);
  }
  const kept: MemoryEntry[][] = [];
  let tokens = 0;
  for (let index = exchanges.length - 1; index >= 0 && kept.length < limits.maxExchanges; index--) {
    const exchange = exchanges[index]!;
    const exchangeTokens = exchange.reduce((sum, entry) => sum + entry.tokens, 0);
    if (tokens + exchangeTokens > limits.maxTokens) break;
    tokens += exchangeTokens;
    kept.unshift(exchange);
  }
  const recalled = kept.flat();
  return { entries: recalled, omittedCount: entries.length - recalled.length, tokens };
}
