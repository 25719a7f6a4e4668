import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnsembleError, isEnsembleError, taskSpecSchema, type TaskOutcome, type TaskRequest } from '../../src/core/index.js';
import type { AgentDefinition, AgentInvocation, AgentRuntime } from '../../src/agents/index.js';
import { recordingDispatchContext } from '../helpers/dispatch-context.js';

/** The agents a runtime under test runs, by what they do (their definitions, as the registry would hold them). */
export interface ContractDefinitions {
  /** Answers with an output that includes its dependencies' outputs. */
  readonly answers: AgentDefinition;
  /** Works until aborted (far longer than any test). */
  readonly hangs: AgentDefinition;
  /** Fails with an error of its own. */
  readonly fails: AgentDefinition;
}

/** One runtime under test. */
export interface RuntimeFixture {
  readonly runtime: AgentRuntime;
  readonly definitions: ContractDefinitions;
  readonly workspace: string;
  /** Whether `answers` streams partial output through `reportOutput`. */
  readonly streamsOutput: boolean;
  /** Whether `answers` reports its spend through `reportUsage` (and then not in the outcome). */
  readonly reportsUsage: boolean;
  /** What the runtime needs in an agent's invocation beyond the basics (a budget, a provider gate). */
  readonly invocationExtras?: Partial<Record<keyof ContractDefinitions, Partial<AgentInvocation>>>;
  close?(): Promise<void> | void;
}

const MARKER = 'output-of-the-dependency-51c2';

/**
 * The contract of the `AgentRuntime` seam, run against every runtime (command, simulated,
 * in-process, llm): `run` resolves with the outcome, the work having seen its inputs; reports through
 * the invocation's hooks; rejects with an EnsembleError when the work fails; and, when the signal
 * aborts, stops the work and rejects with `signal.reason`.
 */
export function describeAgentRuntimeContract(name: string, createFixture: () => Promise<RuntimeFixture> | RuntimeFixture): void {
  describe(`AgentRuntime contract: ${name}`, () => {
    let fixture: RuntimeFixture;
    beforeAll(async () => {
      fixture = await createFixture();
    });
    afterAll(async () => {
      await fixture.close?.();
    });

    const invocationOf = (kind: keyof ContractDefinitions, signal: AbortSignal) => {
      const agent = fixture.definitions[kind];
      const context = recordingDispatchContext(signal, fixture.workspace);
      const task = taskSpecSchema.parse({ id: `contract-${agent.name}`, agentName: agent.name, prompt: 'Say something about the inputs.' });
      const request: TaskRequest = { runId: 'run-contract', task, attempt: 1, executionId: `run-contract:${task.id}:1`, inputs: [{ taskId: 'dependency', agentName: 'upstream', output: MARKER }], permissions: 'edit', context: [] };
      const invocation: AgentInvocation = {
        request,
        agent,
        workspaceDir: fixture.workspace,
        model: agent.model ?? 'n/a',
        reportOutput: context.reportOutput,
        reportUsage: context.reportUsage,
        reportEvent: context.reportEvent,
        suspendTimeout: context.suspendTimeout,
        ...fixture.invocationExtras?.[kind],
      };
      return { invocation, recorded: context.recorded };
    };

    it('names its kind', () => {
      expect(fixture.runtime.kind).toMatch(/^[a-z-]+$/);
    });

    it("resolves with the outcome, the work having seen its dependencies' outputs, and reports through the invocation", async () => {
      const { invocation, recorded } = invocationOf('answers', new AbortController().signal);
      const outcome = await fixture.runtime.run(invocation, new AbortController().signal);
      expect(outcome.output).toContain(MARKER);
      if (fixture.streamsOutput) expect(recorded.outputs.join('')).toMatch(/\S/);
      if (fixture.reportsUsage) {
        expect(recorded.usage.length).toBeGreaterThan(0);
        expect(recorded.usage.every(({ usage }) => usage.totalTokens === usage.inputTokens + usage.outputTokens)).toBe(true);
        expect(outcome.usage).toBeUndefined();
      } else {
        expect(recorded.usage).toEqual([]);
      }
    });

    it('rejects with an EnsembleError carrying a code when the work fails', async () => {
      const { invocation } = invocationOf('fails', new AbortController().signal);
      const failure = await rejectionOf(fixture.runtime.run(invocation, new AbortController().signal));
      expect(isEnsembleError(failure)).toBe(true);
      expect((failure as EnsembleError).code).toMatch(/^[A-Z_]+$/);
    });

    it('stops the work and rejects with the abort reason when aborted mid-work', async () => {
      const controller = new AbortController();
      const { invocation } = invocationOf('hangs', controller.signal);
      const running = rejectionOf(fixture.runtime.run(invocation, controller.signal));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const reason = new EnsembleError('TASK_TIMEOUT', 'timed out in the contract test', { retryable: true });
      controller.abort(reason);
      // The agent would work far past the test's timeout: settling at all is the promptness asked for.
      expect(await running).toBe(reason);
    });

    it('rejects with the abort reason when the signal is already aborted', async () => {
      const controller = new AbortController();
      const reason = new EnsembleError('RUN_CANCELLED', 'cancelled before it began');
      controller.abort(reason);
      const { invocation, recorded } = invocationOf('hangs', controller.signal);
      expect(await rejectionOf(fixture.runtime.run(invocation, controller.signal))).toBe(reason);
      expect(recorded.outputs).toEqual([]);
    });
  });
}

async function rejectionOf(promise: Promise<TaskOutcome>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the run to reject');
}
