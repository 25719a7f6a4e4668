import { createHash } from 'node:crypto';
import { EnsembleError } from '../../core/index.js';
import type { BudgetHold, TaskOutcome, TokenUsage } from '../../core/index.js';
import type { AgentInvocation, AgentRuntime } from '../agent-runtime.js';
import { composeSimulatedAnswer } from './compose-simulated-answer.js';
import { asksForMinutes, composeSimulatedMinutes } from './compose-simulated-minutes.js';
import { composeWorkspaceFindings } from './compose-workspace-findings.js';
import { exploreWorkspace } from './explore-workspace.js';
import { estimateTokens } from '../../context/index.js';
import { simulatedRuntimeOptionsSchema } from '../schema.js';

/** Options of {@link createSimulatedRuntime}. */
export interface SimulatedRuntimeOptions {
  /** Fixed latency of every answer, in ms (0 allowed). @default a deterministic 300-1200 ms per task, from its seed */
  readonly latencyMs?: number;
}

/**
 * The offline runtime: a deterministic (same agent, prompt, inputs, context and workspace, same output),
 * clearly labelled Markdown answer in the agent's voice. An agent with `Glob` and `Read` first
 * reads a few workspace files through the real tools (reported as `agent:tool` events), so the
 * answer names real files and lines; the messages the task received are listed with their senders,
 * and the rest of its context with its sources. Token usage is estimated; no cost. Simulated
 * tokens count like any others: under a token cap the answer's tokens are held before it is
 * written (waiting for other holds, refused when they cannot fit), then committed, and reported
 * through `reportUsage` when the invocation has it (then not in the outcome).
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
  const { task, inputs, context } = request;
  // What the task was handed beyond its inputs changes the answer as a model's would (a task without any keeps its seed).
  const seed = seedOf(agent.name, task.prompt, [...inputs.map((input) => input.output), ...context.map((entry) => `${entry.key}\n${entry.text}`)]);
  const lines = hasReadTools(invocation) ? await exploreWorkspace({ workspaceDir: invocation.workspaceDir, taskId: task.id, signal, reportEvent: invocation.reportEvent }) : [];
  // A facilitator asked for minutes answers in their format, so offline meetings have decisions and action items to show.
  const output = asksForMinutes(task.prompt)
    ? composeSimulatedMinutes(agent.name, task.prompt, seed)
    : composeSimulatedAnswer({ agent, task, inputs, context, seed }) + composeWorkspaceFindings(lines, seed);
  const handed = [...inputs.map((input) => input.output), ...context.map((entry) => entry.text)];
  const inputTokens = estimateTokens(`${agent.prompt}\n${task.prompt}\n${handed.join('\n')}`);
  const outputTokens = estimateTokens(output);
  const usage: TokenUsage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  const hold = await holdBudget(invocation, usage.totalTokens, signal);
  try {
    await sleep(latencyMs ?? 300 + (seed % 901), signal);
  } catch (error) {
    // Like a model call cut short: the prompt was "read".
    settle(invocation, hold, { inputTokens, outputTokens: 0, totalTokens: inputTokens });
    throw error;
  }
  settle(invocation, hold, usage);
  return {
    output,
    ...(invocation.reportUsage === undefined ? { usage, costUsd: 0 } : {}),
    model: `simulated:${invocation.model}`,
    evidence: { runtime: 'simulated', simulated: true },
  };
}

/** Whether the agent may Glob and Read: both in its `tools` (an empty list allows every tool); every ceiling allows reading. */
function hasReadTools(invocation: AgentInvocation): boolean {
  const { tools } = invocation.agent;
  return tools.length === 0 || (tools.includes('Glob') && tools.includes('Read'));
}

/** Holds the answer's tokens under the run's caps; the wait for other holds is kept off the task's timeout. */
async function holdBudget(invocation: AgentInvocation, tokens: number, signal: AbortSignal): Promise<BudgetHold | undefined> {
  const budget = invocation.budget;
  if (budget === undefined || !budget.isCapped) return undefined;
  const reserving = budget.reserve({ taskId: invocation.request.task.id, agentName: invocation.agent.name, tokens, costUsd: 0 }, { signal });
  const resume = invocation.suspendTimeout?.();
  try {
    return await reserving;
  } finally {
    resume?.();
  }
}

function settle(invocation: AgentInvocation, hold: BudgetHold | undefined, usage: TokenUsage): void {
  hold?.commit({ tokens: usage.totalTokens, costUsd: 0 });
  if (usage.totalTokens > 0) invocation.reportUsage?.(usage, 0);
}

/** 32 bits of SHA-256 over the agent, the prompt, the dependency outputs and the context entries (NUL-separated). */
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
