import { PROVIDER_POLICY_DEFAULTS } from '../config/index.js';

/** The governor's tunable numbers (`providerPolicy` in ensemble.config.yaml). */
export interface ProviderGovernorSettings {
  /** Concurrent calls per provider at first. @default 8 */
  readonly initialConcurrency?: number;
  /** The adaptive limit never grows past this. @default 64 */
  readonly maxConcurrency?: number;
  /** Consecutive failures (5xx, network, stalled streams) that open a provider's circuit. @default 5 */
  readonly breakerThreshold?: number;
  /** How long an open circuit stays open before one probe call, in ms. @default 10000 */
  readonly breakerCooldownMs?: number;
  /**
   * The longest a call waits for an open circuit, in ms; a caller that cannot be let through within
   * it fails at once with PROVIDER_CIRCUIT_OPEN. @default 15000
   */
  readonly circuitWaitMs?: number;
  /** A call queued behind the concurrency limit this long is announced (`provider:pause`, `queued`), in ms. @default 1000 */
  readonly queueNoticeMs?: number;
  /** Pause after a 429 without retry-after, doubled for each further one in a row (with jitter), in ms. @default 1000 */
  readonly rateLimitBackoffMs?: number;
  /** Upper bound of that pause, in ms. @default 30000 */
  readonly maxBackoffMs?: number;
}

/** {@link ProviderGovernorSettings} with every field set. */
export type ResolvedGovernorSettings = Required<ProviderGovernorSettings>;

/** The settings with every default filled in. */
export function resolveGovernorSettings(settings: ProviderGovernorSettings = {}): ResolvedGovernorSettings {
  const defaults = PROVIDER_POLICY_DEFAULTS;
  const maxConcurrency = atLeastOne(settings.maxConcurrency ?? defaults.maxConcurrency);
  return {
    initialConcurrency: Math.min(maxConcurrency, atLeastOne(settings.initialConcurrency ?? defaults.initialConcurrency)),
    maxConcurrency,
    breakerThreshold: atLeastOne(settings.breakerThreshold ?? defaults.breakerThreshold),
    breakerCooldownMs: nonNegative(settings.breakerCooldownMs ?? defaults.breakerCooldownMs),
    circuitWaitMs: nonNegative(settings.circuitWaitMs ?? defaults.circuitWaitMs),
    queueNoticeMs: nonNegative(settings.queueNoticeMs ?? defaults.queueNoticeMs),
    rateLimitBackoffMs: nonNegative(settings.rateLimitBackoffMs ?? 1000),
    maxBackoffMs: nonNegative(settings.maxBackoffMs ?? 30_000),
  };
}

function atLeastOne(value: number): number {
  return Number.isFinite(value) ? Math.max(1, Math.floor(value)) : 1;
}

function nonNegative(value: number): number {
  return Number.isFinite(value) ? Math.max(0, value) : 0;
}
