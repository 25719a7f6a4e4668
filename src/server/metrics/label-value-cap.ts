/** Label values longer than this are cut: a label is for grouping, not for carrying text. */
export const MAX_LABEL_VALUE_CHARS = 120;

/** The value that stands for every value past a label's limit. */
export const OVERFLOW_LABEL_VALUE = 'other';

/**
 * Keeps the distinct values of each label (agent, model, tool, …) under a limit, so an unexpected
 * flood of names (generated agents, a misbehaving MCP server's tools) cannot grow the exposition
 * and Prometheus' series without bound: values first seen past the limit are counted as `other`.
 * Agent names and models are bounded sets in practice; this is the guard for when they are not.
 */
export class LabelValueCap {
  private readonly maxValuesPerLabel: number;
  private readonly seen = new Map<string, Set<string>>();

  constructor(maxValuesPerLabel: number) {
    this.maxValuesPerLabel = Math.max(1, Math.floor(maxValuesPerLabel));
  }

  /** The value to export for `value` of the label `name`. */
  valueOf(name: string, value: string): string {
    const cut = value.length > MAX_LABEL_VALUE_CHARS ? value.slice(0, MAX_LABEL_VALUE_CHARS) : value;
    let values = this.seen.get(name);
    if (values === undefined) {
      values = new Set();
      this.seen.set(name, values);
    }
    if (values.has(cut)) return cut;
    if (values.size >= this.maxValuesPerLabel) return OVERFLOW_LABEL_VALUE;
    values.add(cut);
    return cut;
  }
}
