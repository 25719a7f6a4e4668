import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EventPayloads, RunEvent, TokenUsage } from '../../core/index.js';
import { AttemptModels } from './attempt-models.js';
import type { LabelValueCap } from './label-value-cap.js';
import { toModelLabels, type ModelLabels } from './to-model-labels.js';

/** Task durations span simulated answers (ms) to long coding sessions (an hour), in seconds. */
export const TASK_DURATION_BUCKETS_SECONDS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** `ensemble_provider_circuit_state` values: the order of a breaker's escalation. */
export const CIRCUIT_STATE_VALUES: Readonly<Record<EventPayloads['provider:circuit']['state'], number>> = { closed: 0, 'half-open': 1, open: 2 };

/** How a task ended, as `ensemble_task_outcomes_total{outcome}` counts it. */
export type TaskOutcomeLabel = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** Options of {@link EventMetrics}. */
export interface EventMetricsOptions {
  readonly registry: Registry;
  readonly labels: LabelValueCap;
  /** Attempts whose model is remembered until their spend arrives. */
  readonly maxAttempts: number;
}

/** The metrics counted from run events: one method folds one event into them. */
export class EventMetrics {
  private readonly labels: LabelValueCap;
  private readonly attemptModels: AttemptModels;
  private readonly events: Counter<'type'>;
  private readonly taskDuration: Histogram<'agent'>;
  private readonly taskOutcomes: Counter<'agent' | 'outcome'>;
  private readonly taskRetries: Counter<'agent'>;
  private readonly tokens: Counter<'provider' | 'model' | 'kind'>;
  private readonly cost: Counter<'provider' | 'model'>;
  private readonly circuitState: Gauge<'provider'>;
  private readonly providerPauses: Counter<'provider' | 'reason'>;
  private readonly toolCalls: Counter<'tool' | 'ok'>;

  constructor(options: EventMetricsOptions) {
    const registers = [options.registry];
    this.labels = options.labels;
    this.attemptModels = new AttemptModels(options.maxAttempts);
    this.events = new Counter({ name: 'ensemble_events_total', help: 'Run events observed, by event type.', labelNames: ['type'], registers });
    this.taskDuration = new Histogram({
      name: 'ensemble_task_duration_seconds',
      help: 'Duration of the attempt that ended a task (task:complete or task:error), by agent.',
      labelNames: ['agent'],
      buckets: [...TASK_DURATION_BUCKETS_SECONDS],
      registers,
    });
    this.taskOutcomes = new Counter({
      name: 'ensemble_task_outcomes_total',
      help: 'Tasks that ended, by agent and outcome (succeeded, failed, skipped, cancelled).',
      labelNames: ['agent', 'outcome'],
      registers,
    });
    this.taskRetries = new Counter({ name: 'ensemble_task_retries_total', help: 'Failed attempts that were retried, by agent.', labelNames: ['agent'], registers });
    this.tokens = new Counter({
      name: 'ensemble_tokens_total',
      help: 'Tokens spent by attempts (failed, retried and aborted ones included), by provider, model and kind (input, output).',
      labelNames: ['provider', 'model', 'kind'],
      registers,
    });
    this.cost = new Counter({
      name: 'ensemble_cost_usd_total',
      help: 'Dollars spent by attempts (failed, retried and aborted ones included), by provider and model.',
      labelNames: ['provider', 'model'],
      registers,
    });
    this.circuitState = new Gauge({
      name: 'ensemble_provider_circuit_state',
      help: "A provider's circuit breaker as last reported: 0 closed, 1 half-open, 2 open.",
      labelNames: ['provider'],
      registers,
    });
    this.providerPauses = new Counter({
      name: 'ensemble_provider_pauses_total',
      help: 'Waits of provider callers, by provider and reason (rate-limited, backoff, circuit-open, queued).',
      labelNames: ['provider', 'reason'],
      registers,
    });
    this.toolCalls = new Counter({ name: 'ensemble_tool_calls_total', help: 'Tool calls of agents that ended, by tool and success.', labelNames: ['tool', 'ok'], registers });
  }

  /** Folds one event into the metrics. */
  record(event: RunEvent): void {
    this.events.inc({ type: event.type });
    switch (event.type) {
      case 'agent:invoke':
        this.attemptModels.remember(event.runId, event.taskId, event.attempt, toModelLabels(event));
        break;
      case 'task:retry':
        this.taskRetries.inc({ agent: this.agent(event.agentName) });
        this.addSpend(this.attemptModels.take(event.runId, event.taskId, event.attempt), event.usage, event.costUsd);
        break;
      case 'task:complete':
        this.endTask(event.agentName, 'succeeded', event.duration);
        this.addSpend(this.attemptModels.take(event.runId, event.taskId, event.attempt), event.usage, event.costUsd);
        break;
      case 'task:error':
        this.endTask(event.agentName, 'failed', event.duration);
        this.addSpend(this.attemptModels.take(event.runId, event.taskId, event.attempt), event.usage, event.costUsd);
        break;
      case 'task:skipped':
        this.endTask(event.agentName, 'skipped', undefined);
        break;
      case 'task:cancelled':
        this.endTask(event.agentName, 'cancelled', undefined);
        // A task cancelled before it was launched had no attempt, and spent nothing.
        if (event.attempt !== undefined) this.addSpend(this.attemptModels.take(event.runId, event.taskId, event.attempt), event.usage, event.costUsd);
        break;
      case 'provider:circuit':
        this.circuitState.set({ provider: this.labels.valueOf('provider', event.provider) }, CIRCUIT_STATE_VALUES[event.state]);
        break;
      case 'provider:pause':
        this.providerPauses.inc({ provider: this.labels.valueOf('provider', event.provider), reason: event.reason });
        break;
      case 'agent:tool':
        if (event.state === 'end') this.toolCalls.inc({ tool: this.labels.valueOf('tool', event.tool), ok: event.ok === false ? 'false' : 'true' });
        break;
      case 'workflow:complete':
      case 'workflow:error':
        this.attemptModels.forgetRun(event.runId);
        break;
      default:
        break;
    }
  }

  private agent(agentName: string): string {
    return this.labels.valueOf('agent', agentName);
  }

  private endTask(agentName: string, outcome: TaskOutcomeLabel, durationMs: number | undefined): void {
    const agent = this.agent(agentName);
    this.taskOutcomes.inc({ agent, outcome });
    if (durationMs !== undefined && Number.isFinite(durationMs) && durationMs >= 0) this.taskDuration.observe({ agent }, durationMs / 1000);
  }

  private addSpend(model: ModelLabels, usage: TokenUsage, costUsd: number): void {
    const labels = { provider: this.labels.valueOf('provider', model.provider), model: this.labels.valueOf('model', model.model) };
    addCount(this.tokens, { ...labels, kind: 'input' }, usage.inputTokens);
    addCount(this.tokens, { ...labels, kind: 'output' }, usage.outputTokens);
    addCount(this.cost, labels, costUsd);
  }
}

/** Counters refuse negative amounts: a figure that is not a finite amount ≥ 0 (a corrupt journal row) is left out. */
function addCount<Label extends string>(counter: Counter<Label>, labels: Partial<Record<Label, string>>, amount: number): void {
  if (Number.isFinite(amount) && amount >= 0) counter.inc(labels, amount);
}
