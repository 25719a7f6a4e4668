import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isEnsembleError } from '../../src/core/index.js';
import type { DependencyOutput, PermissionCeiling, TaskOutcome } from '../../src/core/index.js';
import type { AgentDefinition, AgentInvocation } from '../../src/agents/index.js';
import { AgentProcessTree } from '../../src/agents/process/agent-process-tree.js';
import type { RecordedDispatch } from './dispatch-context.js';

/** A node program (ESM or CommonJS) that grows its resident memory by 8 MB every 20 ms, up to 400 MB (a bound in case limits fail), and lives 30 s. */
export const MEMORY_HOG_PROGRAM = `
const held = [];
const timer = setInterval(() => {
  held.push(Buffer.alloc(8 * 1024 * 1024, 1));
  if (held.length >= 50) clearInterval(timer);
}, 20);
setTimeout(() => {}, 30000);
`;

/** A `command` agent definition running `command` (an argv; tests use node programs or `sh -c` scripts of their own). */
export function commandAgent(command: readonly string[], extra: Partial<AgentDefinition> = {}): AgentDefinition {
  return { name: 'probe', description: 'test agent', category: 'testing', runtime: 'command', command, tools: [], prompt: '', source: 'test', extra: {}, ...extra };
}

/** One attempt of task `task-7` of run `run-test-1` by `agent` in `workspace`; `recorded` collects its activity events. */
export function commandInvocation(
  agent: AgentDefinition,
  prompt: string,
  workspace: string,
  options: { readonly inputs?: readonly DependencyOutput[]; readonly recorded?: RecordedDispatch; readonly taskId?: string; readonly permissions?: PermissionCeiling } = {},
): AgentInvocation {
  const taskId = options.taskId ?? 'task-7';
  const recorded = options.recorded;
  return {
    agent,
    workspaceDir: workspace,
    model: 'n/a',
    request: {
      runId: 'run-test-1',
      attempt: 2,
      executionId: `run-test-1:${taskId}:2`,
      inputs: options.inputs ?? [],
      context: [],
      permissions: options.permissions ?? 'edit',
      task: { id: taskId, agentName: agent.name, description: '', prompt, dependencies: [], priority: 5 },
    },
    ...(recorded === undefined ? {} : { reportEvent: (type, payload) => void recorded.events.push({ type, payload }) }),
  };
}

/** The EnsembleError an attempt failed with (throws if it succeeded or failed otherwise). */
export async function failureOf(
  promise: Promise<TaskOutcome>,
): Promise<{ code: string; message: string; retryable: boolean; details: Readonly<Record<string, unknown>> | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (!isEnsembleError(error)) throw error;
    return { code: error.code, message: error.message, retryable: error.retryable, details: error.details };
  }
  throw new Error('expected the run to fail');
}

/** Gone, or a zombie left for an init that does not reap (as in some containers): dead either way. */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Polls `probe` every 20 ms until it returns a value, for at most `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The whole-number pids written to `path`, one per line, once there are `count`. */
export function readPidFile(path: string, count = 1): number[] | undefined {
  try {
    const pids = readFileSync(path, 'utf8').split(/\s+/).filter((text) => /^\d+$/.test(text)).map(Number);
    return pids.length >= count ? pids : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether this machine lets ensemble put an agent in its own cgroup (root, or a delegated cgroup v2):
 * probed once with a short `sleep`, synchronously, since it decides which tests are collected.
 */
export function canCreateAgentCgroups(): boolean {
  if (cgroupProbe !== undefined) return cgroupProbe;
  cgroupProbe = false;
  if (!existsSync('/proc/self/stat')) return cgroupProbe;
  const probe = spawn('sleep', ['5'], { detached: true, stdio: 'ignore' });
  const tree = new AgentProcessTree(probe.pid!, 'ENSEMBLE_PROCESS_TAG=probe', 'auto');
  tree.kill();
  for (let waited = 0; !tree.isGone() && waited < 2000; waited += 10) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  tree.close();
  cgroupProbe = tree.tracking === 'cgroup';
  return cgroupProbe;
}

let cgroupProbe: boolean | undefined;
