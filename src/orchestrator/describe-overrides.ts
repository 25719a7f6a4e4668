import type { SettingOverride } from './resolve-run-settings.js';

/** `resume of run-x: maxParallelAgents 1 → 50, model (none) → opus`. */
export function describeOverrides(runId: string, overrides: readonly SettingOverride[]): string {
  const show = (value: unknown): string => (value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value));
  return `resume of ${runId}: ${overrides.map((override) => `${override.field} ${show(override.from)} → ${show(override.to)}`).join(', ')}`;
}
