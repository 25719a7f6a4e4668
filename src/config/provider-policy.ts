import { z } from 'zod';
import { retryPolicySchema } from '../core/index.js';
import type { RetryPolicy } from '../core/index.js';

/**
 * Defaults of the provider policy. The breaker's cool-down and the circuit wait are short enough
 * that a dead provider fails a fan-out within a minute (issue 6: an always-503 provider took
 * 601 s), yet a blip shorter than the cool-down is waited out by the probe.
 */
export const PROVIDER_POLICY_DEFAULTS = {
  initialConcurrency: 8,
  maxConcurrency: 64,
  breakerThreshold: 5,
  breakerCooldownMs: 10_000,
  circuitWaitMs: 15_000,
  queueNoticeMs: 1000,
  streamIdleTimeoutMs: 60_000,
  taskTimeoutMs: 600_000,
  taskRetry: { max: 3, backoffMs: 2000, maxBackoffMs: 30_000 },
  modelCheckTimeoutMs: 3000,
} as const;

const milliseconds = z.int().min(0).max(86_400_000);

/** `providerPolicy` in ensemble.config.yaml and the library: how model calls are governed. Strict, every field optional. */
export const providerPolicyInputSchema = z.strictObject({
  /** Concurrent calls per provider at first (an adaptive limit: halved on a 429, grown back on successes). */
  initialConcurrency: z.int().min(1).max(1000).optional(),
  /** The adaptive limit never grows past this. */
  maxConcurrency: z.int().min(1).max(1000).optional(),
  /** Consecutive failures (5xx, network, stalled streams) that open a provider's circuit. */
  breakerThreshold: z.int().min(1).max(1000).optional(),
  /** How long an open circuit stays open before one probe call, in ms. */
  breakerCooldownMs: milliseconds.optional(),
  /** The longest a call waits for an open circuit before failing with PROVIDER_CIRCUIT_OPEN, in ms. */
  circuitWaitMs: milliseconds.optional(),
  /** A call queued behind the concurrency limit this long is announced (`provider:pause`, `queued`), in ms. */
  queueNoticeMs: milliseconds.optional(),
  /** A stream that sends nothing for this long fails its call (PROVIDER_UNAVAILABLE, retried per the task's policy), in ms. */
  streamIdleTimeoutMs: z.int().min(1).max(86_400_000).optional(),
  /** Attempt timeout of `llm` tasks whose task and agent set none, in ms. */
  taskTimeoutMs: z.int().min(1).max(2_147_483_647).optional(),
  /** Retry policy of `llm` tasks when neither the task nor the run sets one. */
  taskRetry: retryPolicySchema.optional(),
  /** How long the check of a local server's models (before a run) may take, in ms. */
  modelCheckTimeoutMs: z.int().min(1).max(600_000).optional(),
});

/** A provider policy as written: every field optional. */
export type ProviderPolicyInput = z.input<typeof providerPolicyInputSchema>;

/** A provider policy with every field filled in. */
export interface ProviderPolicy {
  readonly initialConcurrency: number;
  readonly maxConcurrency: number;
  readonly breakerThreshold: number;
  readonly breakerCooldownMs: number;
  readonly circuitWaitMs: number;
  readonly queueNoticeMs: number;
  readonly streamIdleTimeoutMs: number;
  readonly taskTimeoutMs: number;
  readonly taskRetry: RetryPolicy;
  readonly modelCheckTimeoutMs: number;
}

/**
 * Fills a provider policy from layers, later layers winning field by field (the config file,
 * then the library's option), then the defaults. Layers must already be validated.
 */
export function resolveProviderPolicy(...layers: readonly (ProviderPolicyInput | undefined)[]): ProviderPolicy {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) if (value !== undefined) merged[key] = value;
  }
  const input = merged as ProviderPolicyInput;
  return {
    initialConcurrency: input.initialConcurrency ?? PROVIDER_POLICY_DEFAULTS.initialConcurrency,
    maxConcurrency: input.maxConcurrency ?? PROVIDER_POLICY_DEFAULTS.maxConcurrency,
    breakerThreshold: input.breakerThreshold ?? PROVIDER_POLICY_DEFAULTS.breakerThreshold,
    breakerCooldownMs: input.breakerCooldownMs ?? PROVIDER_POLICY_DEFAULTS.breakerCooldownMs,
    circuitWaitMs: input.circuitWaitMs ?? PROVIDER_POLICY_DEFAULTS.circuitWaitMs,
    queueNoticeMs: input.queueNoticeMs ?? PROVIDER_POLICY_DEFAULTS.queueNoticeMs,
    streamIdleTimeoutMs: input.streamIdleTimeoutMs ?? PROVIDER_POLICY_DEFAULTS.streamIdleTimeoutMs,
    taskTimeoutMs: input.taskTimeoutMs ?? PROVIDER_POLICY_DEFAULTS.taskTimeoutMs,
    taskRetry: retryPolicySchema.parse(input.taskRetry ?? PROVIDER_POLICY_DEFAULTS.taskRetry),
    modelCheckTimeoutMs: input.modelCheckTimeoutMs ?? PROVIDER_POLICY_DEFAULTS.modelCheckTimeoutMs,
  };
}
