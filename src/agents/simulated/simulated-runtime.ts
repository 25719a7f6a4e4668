import { createHash } from 'node:crypto';
import { EnsembleError } from '../../core/index.js';
import type { TaskOutcome } from '../../core/index.js';
import type { AgentInvocation, AgentRuntime } from '../agent-runtime.js';
import { composeSimulatedAnswer } from './compose-simulated-answer.js';
import { estimateTokens } from '../../context/index.js';
import { simulatedRuntimeOptionsSchema } from '../schema.js';

/** Options of {@link createSimulatedRuntime}. */
export interface SimulatedRuntimeOptions {
  /** Fixed latency of every answer, in ms (0 allowed). @default a deterministic 300-1200 ms per task, from its seed */
  readonly latencyMs?: number;
}

/**
 * The offline runtime: a deterministic (same agent, prompt and inputs, same output), clearly
 * labelled Markdown answer in the agent's voice. Token usage is estimated; no cost.
 */
export function createSimulatedRuntime(options: SimulatedRuntimeOptions = {}): AgentRuntime {
  const parsed = simulatedRuntimeOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new EnsembleError('INVALID_INPUT', `simulated runtime: latencyMs: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const { latencyMs } = parsed.data;
  return {
    kind: 'simulated',
    run: (invocation, signal) => runSimulated(invocation, signal, latencyMs),
  };
}

async function runSimulated(invocation: AgentInvocation, signal: AbortSignal, latencyMs: number | undefined): Promise<TaskOutcome> {
  const { agent, request } = invocation;
  const { task, inputs } = request;
  const seed = seedOf(agent.name, task.prompt, inputs.map((input) => input.output));
  await sleep(latencyMs ?? 300 + (seed % 901), signal);
  const output = composeSimulatedAnswer({ agent, task, inputs, seed });
  const inputTokens = estimateTokens(`${agent.prompt}\n${task.prompt}\n${inputs.map((input) => input.output).join('\n')}`);
  const outputTokens = estimateTokens(output);
  return {
    output,
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    costUsd: 0,
    model: `simulated:${invocation.model}`,
    evidence: { runtime: 'simulated', simulated: true },
  };
}

/** 32 bits of SHA-256 over the agent, the prompt and the dependency outputs (NUL-separated). */
function seedOf(agentName: string, prompt: string, outputs: readonly string[]): number {
  const hash = createHash('sha256');
  for (const part of [agentName, prompt, ...outputs]) hash.update(part).update('\0');
  return hash.digest().readUInt32BE(0);
}

function sleep(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    if (delayMs === 0) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
