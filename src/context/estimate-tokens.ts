/**
 * Rough token count of a text: one token per four characters, rounded up. An estimate for
 * offline accounting (the simulated runtime, context budgets), not a tokenizer.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
