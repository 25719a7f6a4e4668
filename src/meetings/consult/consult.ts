import { EnsembleError, toInputIssues, type RunOutcome, type RunStatus, type SerializedError, type TaskStatus } from '../../core/index.js';
import type { AgentOrchestrator } from '../../orchestrator/index.js';
import { conversationRegistry, createConversationOrchestrator, requireKnownAgents, type ConversationOptions } from '../conversation-run.js';
import { consultRequestSchema, type ConsultRequest } from '../schema.js';
import { answerTaskId, composeAnswerPrompt, composeSynthesisPrompt, SYNTHESIS_TASK_ID } from './compose-consult-prompts.js';

/** `workflowId` of consultation runs. */
export const CONSULT_WORKFLOW_ID = 'consult';

/** Longest question excerpt in the run's name. */
const MAX_NAME_CHARS = 60;

/** One consulted agent's answer. */
export interface ConsultAnswer {
  readonly agentName: string;
  readonly taskId: string;
  readonly status: TaskStatus;
  /** Present when the agent answered. */
  readonly answer?: string;
  /** Present when it did not. */
  readonly error?: SerializedError;
}

/** The answers to a consultation and their synthesis. */
export interface ConsultResult {
  readonly runId: string;
  /** `succeeded` when every agent answered and the synthesis was written. */
  readonly status: RunStatus;
  readonly question: string;
  /** In the order the agents were named. */
  readonly answers: readonly ConsultAnswer[];
  /** Absent when no agent answered, the synthesis failed, or the run was cancelled; written from the answers there are otherwise. */
  readonly synthesis?: { readonly agentName: string; readonly taskId: string; readonly text: string };
  /** The run's outcome: its summary (tasks, tokens, cost, duration), task results and error. */
  readonly outcome: RunOutcome;
}

/** A consultation ready to run, with its orchestrator exposed for listeners. */
export interface PreparedConsultation {
  readonly orchestrator: AgentOrchestrator;
  /** Runs it to its end; call once. */
  run(): Promise<ConsultResult>;
}

/**
 * Checks a consultation and prepares its run: one task per agent answering the question on its
 * own (in parallel, none seeing another's answer: the run's context is `isolated`), then a
 * synthesis task that depends on them all and compares them.
 * @throws EnsembleError `INVALID_INPUT` naming the field, `UNKNOWN_AGENT`.
 */
export function prepareConsultation(request: ConsultRequest, options: ConversationOptions = {}): PreparedConsultation {
  const parsed = consultRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issues = toInputIssues(parsed.error);
    throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
  }
  const body = parsed.data;
  const registry = conversationRegistry(options);
  requireKnownAgents(registry, [...body.agents, body.synthesizer]);
  const orchestrator = createConversationOrchestrator(options, registry, {
    workflowName: `consult: ${describeQuestion(body.question)}`,
    workflowId: CONSULT_WORKFLOW_ID,
    parameters: { consult: { question: body.question, agents: body.agents, synthesizer: body.synthesizer } },
    settings: body,
    parallelSpeakers: body.agents.length,
  });
  const timeout = body.timeoutMs === undefined ? {} : { timeoutMs: body.timeoutMs };
  orchestrator.addTasks([
    ...body.agents.map((agentName) => ({
      id: answerTaskId(agentName),
      agentName,
      description: `answer: ${describeQuestion(body.question)}`,
      prompt: composeAnswerPrompt(body.question, agentName, body.agents),
      ...timeout,
    })),
    {
      id: SYNTHESIS_TASK_ID,
      agentName: body.synthesizer,
      description: `synthesis of ${body.agents.length} answer${body.agents.length === 1 ? '' : 's'}`,
      prompt: composeSynthesisPrompt(body.question, body.synthesizer, body.agents),
      dependencies: body.agents.map(answerTaskId),
      // One agent that fails to answer must not cost the others' synthesis.
      dependencyMode: 'any-succeeded',
      ...timeout,
    },
  ]);
  let isStarted = false;
  return {
    orchestrator,
    run: async () => {
      if (isStarted) throw new EnsembleError('INVALID_INPUT', 'a prepared consultation runs once; prepare another for the next');
      isStarted = true;
      const outcome = await orchestrator.execute(options.signal === undefined ? {} : { signal: options.signal });
      const resultOf = (taskId: string) => outcome.results.find((result) => result.taskId === taskId);
      const answers = body.agents.map((agentName): ConsultAnswer => {
        const taskId = answerTaskId(agentName);
        const result = resultOf(taskId);
        return {
          agentName,
          taskId,
          status: result?.status ?? 'pending',
          ...(result?.status === 'succeeded' && result.output !== undefined ? { answer: result.output } : {}),
          ...(result?.error === undefined ? {} : { error: result.error }),
        };
      });
      const synthesis = resultOf(SYNTHESIS_TASK_ID);
      return {
        runId: outcome.runId,
        status: outcome.status,
        question: body.question,
        answers,
        ...(synthesis?.status === 'succeeded' && synthesis.output !== undefined
          ? { synthesis: { agentName: body.synthesizer, taskId: SYNTHESIS_TASK_ID, text: synthesis.output } }
          : {}),
        outcome,
      };
    },
  };
}

/**
 * Puts one question to several agents at once, each answering on its own, and has a synthesizer
 * compare and combine their answers. Journaled as one run (`consult`).
 */
export async function consult(request: ConsultRequest, options: ConversationOptions = {}): Promise<ConsultResult> {
  return prepareConsultation(request, options).run();
}

function describeQuestion(question: string): string {
  const line = question.trim().split('\n')[0]!.trim();
  return line.length <= MAX_NAME_CHARS ? line : `${line.slice(0, MAX_NAME_CHARS - 1)}…`;
}
