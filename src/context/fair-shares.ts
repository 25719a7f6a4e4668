/**
 * Splits `budget` among items of the given sizes, max-min fair ("water filling"): items at or
 * under the fair share keep their whole size, and what they leave is shared equally by the larger
 * ones. Returns each item's allowance (its size when it fits whole). Used when a task's direct
 * dependencies alone pass the threshold: a short design document stays whole beside a
 * 400,000-character listing instead of shrinking with it, and no dependency gets nothing.
 */
export function fairShares(sizes: readonly number[], budget: number): number[] {
  const allowances = new Array<number>(sizes.length).fill(0);
  // Smallest first; ties in item order, so the split is deterministic.
  const order = sizes.map((_, index) => index).sort((left, right) => sizes[left]! - sizes[right]! || left - right);
  let remaining = Math.max(0, budget);
  for (let position = 0; position < order.length; position++) {
    const item = order[position]!;
    const share = Math.floor(remaining / (order.length - position));
    if (sizes[item]! <= share) {
      allowances[item] = sizes[item]!;
      remaining -= sizes[item]!;
      continue;
    }
    for (let rest = position; rest < order.length; rest++) allowances[order[rest]!] = share;
    break;
  }
  return allowances;
}
