const tokenFormat = new Intl.NumberFormat('en-US');

/** A token count with thousands separators: `12,345`. */
export function formatTokens(tokens: number): string {
  return tokenFormat.format(Math.round(tokens));
}

/** Dollars: cents for a dollar and more, four decimals below (model calls cost fractions of a cent). */
export function formatCostUsd(costUsd: number): string {
  return costUsd >= 1 ? `$${costUsd.toFixed(2)}` : `$${costUsd.toFixed(4)}`;
}
