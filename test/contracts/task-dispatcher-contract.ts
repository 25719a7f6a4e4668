import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnsembleError, isEnsembleError, taskSpecSchema, type TaskDispatcher, type TaskOutcome, type TaskRequest } from '../../src/core/index.js';
import { recordingDispatchContext } from '../helpers/dispatch-context.js';

/** The agents a dispatcher under test can run, by what they do. */
export interface ContractAgents {
  /** Answers with an output that includes its dependencies' outputs. */
  readonly answers: string;
  /** Works until aborted (far longer than any test). */
  readonly hangs: string;
  /** Fails with an error of its own. */
  readonly fails: string;
}

/** One dispatcher under test, with what its `answers` agent reports while it runs. */
export interface DispatcherFixture {
  readonly dispatcher: TaskDispatcher;
  readonly agents: ContractAgents;
  readonly workspace: string;
  /** Whether `answers` streams partial output through `reportOutput`. */
  readonly streamsOutput: boolean;
  /** Whether `answers` reports its spend through `reportUsage` (and then not in the outcome). */
  readonly reportsUsage: boolean;
  close?(): Promise<void> | void;
}

const MARKER = 'output-of-the-dependency-7f3a';

function requestFor(agentName: string, id = 'contract-task'): TaskRequest {
  const task = taskSpecSchema.parse({ id, agentName, description: 'contract task', prompt: 'Say something about the inputs.' });
  return { runId: 'run-contract', task, attempt: 1, executionId: `run-contract:${id}:1`, inputs: [{ taskId: 'dependency', agentName: 'upstream', output: MARKER }], permissions: 'edit', context: [] };
}

/**
 * The contract of the `TaskDispatcher` port, run against every implementation (local dispatch of each
 * kind of agent, and later a BullMQ queue of workers): `describe` names runtime and model, `dispatch`
 * resolves with the outcome, hands the work its inputs, reports through the context, rejects with an
 * EnsembleError when the work fails, and rejects with the abort reason, promptly, when aborted.
 */
export function describeTaskDispatcherContract(name: string, createFixture: () => Promise<DispatcherFixture> | DispatcherFixture): void {
  describe(`TaskDispatcher contract: ${name}`, () => {
    let fixture: DispatcherFixture;
    beforeAll(async () => {
      fixture = await createFixture();
    });
    afterAll(async () => {
      await fixture.close?.();
    });

    it('describes each task by a runtime and a model', () => {
      for (const agentName of Object.values(fixture.agents)) {
        const info = fixture.dispatcher.describe(requestFor(agentName).task);
        expect(info.runtime).toMatch(/\S/);
        expect(info.model).toMatch(/\S/);
      }
    });

    it("resolves with the outcome, the work having seen its dependencies' outputs", async () => {
      const context = recordingDispatchContext(new AbortController().signal, fixture.workspace);
      const outcome = await fixture.dispatcher.dispatch(requestFor(fixture.agents.answers), context);
      expect(typeof outcome.output).toBe('string');
      expect(outcome.output).toContain(MARKER);
    });

    it('reports streamed output and spend through the context, and spend reported there is not in the outcome too', async () => {
      const context = recordingDispatchContext(new AbortController().signal, fixture.workspace);
      const outcome = await fixture.dispatcher.dispatch(requestFor(fixture.agents.answers), context);
      if (fixture.streamsOutput) expect(context.recorded.outputs.join('')).toMatch(/\S/);
      if (fixture.reportsUsage) {
        expect(context.recorded.usage.length).toBeGreaterThan(0);
        for (const { usage, costUsd } of context.recorded.usage) {
          expect(usage.totalTokens).toBe(usage.inputTokens + usage.outputTokens);
          expect(costUsd).toBeGreaterThanOrEqual(0);
        }
        expect(outcome.usage).toBeUndefined();
      } else {
        expect(context.recorded.usage).toEqual([]);
      }
    });

    it('rejects with an EnsembleError carrying a code when the work fails', async () => {
      const context = recordingDispatchContext(new AbortController().signal, fixture.workspace);
      const failure = await rejectionOf(fixture.dispatcher.dispatch(requestFor(fixture.agents.fails), context));
      expect(isEnsembleError(failure)).toBe(true);
      expect((failure as EnsembleError).code).toMatch(/^[A-Z_]+$/);
      expect((failure as EnsembleError).code).not.toBe('RUN_CANCELLED');
    });

    it('stops the work and rejects with the abort reason when aborted mid-work', async () => {
      const controller = new AbortController();
      const context = recordingDispatchContext(controller.signal, fixture.workspace);
      const running = rejectionOf(fixture.dispatcher.dispatch(requestFor(fixture.agents.hangs), context));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const reason = new EnsembleError('RUN_CANCELLED', 'cancelled by the contract test');
      controller.abort(reason);
      // The agent would work far past the test's timeout: settling at all is the promptness asked for.
      expect(await running).toBe(reason);
    });

    it('rejects with the abort reason, running nothing, when the signal is already aborted', async () => {
      const controller = new AbortController();
      const reason = new EnsembleError('TASK_TIMEOUT', 'timed out before it began', { retryable: true });
      controller.abort(reason);
      const context = recordingDispatchContext(controller.signal, fixture.workspace);
      expect(await rejectionOf(fixture.dispatcher.dispatch(requestFor(fixture.agents.hangs), context))).toBe(reason);
      expect(context.recorded.outputs).toEqual([]);
    });
  });
}

async function rejectionOf(promise: Promise<TaskOutcome>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the dispatch to reject');
}
