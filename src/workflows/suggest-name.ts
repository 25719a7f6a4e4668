/**
 * The candidate a mistyped name most likely meant (`dependecies` → `dependencies`), or undefined
 * when none is close. Close means equal ignoring case, or at most two edits (a swap of
 * neighbours counts as one) and fewer than half the characters.
 */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = measureEditDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= 2 && bestDistance * 2 < Math.max(wanted.length, 1) ? best : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function measureEditDistance(left: string, right: string): number {
  const width = right.length + 1;
  let previousRow: number[] = [];
  let row: number[] = Array.from({ length: width }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const beforePrevious = previousRow;
    previousRow = row;
    row = [i];
    for (let j = 1; j < width; j++) {
      const cost = left[i - 1] === right[j - 1] ? 0 : 1;
      let distance = Math.min(previousRow[j]! + 1, row[j - 1]! + 1, previousRow[j - 1]! + cost);
      if (i > 1 && j > 1 && left[i - 1] === right[j - 2] && left[i - 2] === right[j - 1]) {
        distance = Math.min(distance, beforePrevious[j - 2]! + 1);
      }
      row.push(distance);
    }
  }
  return row[width - 1]!;
}
