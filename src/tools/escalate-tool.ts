import { z } from 'zod';
import { toEscalationRequest } from '../core/index.js';
import { toSummaryLine } from './to-summary-line.js';
import type { WorkspaceTool } from './workspace-tool.js';

/** The tool's name. */
export const ESCALATE_TOOL_NAME = 'Escalate';

/** What an Escalate call asks a person, once read. */
export interface EscalateInput {
  readonly reason: string;
  readonly triggerType?: string;
  readonly context?: string;
  readonly options: readonly string[];
  /** How long a person has to answer, in minutes. */
  readonly deadlineMinutes?: number;
  /** What to do when nobody answers in time. */
  readonly defaultAction?: string;
}

// Tolerant of the model's spelling (`type`, `trigger_type`, snake_case, one option as a string); unknown keys are ignored.
const escalateInputSchema = z
  .looseObject({
    reason: z.string().optional(),
    triggerType: z.string().optional(),
    trigger_type: z.string().optional(),
    type: z.string().optional(),
    context: z.string().optional(),
    options: z.union([z.array(z.string()), z.string()]).optional(),
    deadlineMinutes: z.number().optional(),
    deadline_minutes: z.number().optional(),
    defaultAction: z.string().optional(),
    default_action: z.string().optional(),
  })
  .transform((input, context): EscalateInput => {
    const reason = (input.reason ?? '').trim();
    if (reason === '') context.addIssue({ code: 'custom', path: ['reason'], message: 'required: one line saying what you cannot decide alone' });
    const deadlineMinutes = input.deadlineMinutes ?? input.deadline_minutes;
    if (deadlineMinutes !== undefined && !(deadlineMinutes > 0)) context.addIssue({ code: 'custom', path: ['deadlineMinutes'], message: 'must be a positive number of minutes' });
    const options = typeof input.options === 'string' ? input.options.split('\n') : (input.options ?? []);
    const triggerType = input.triggerType ?? input.trigger_type ?? input.type;
    const defaultAction = input.defaultAction ?? input.default_action;
    return {
      reason,
      options: options.map((option) => option.trim()).filter((option) => option !== ''),
      ...(triggerType === undefined ? {} : { triggerType }),
      ...(input.context === undefined ? {} : { context: input.context }),
      ...(deadlineMinutes === undefined ? {} : { deadlineMinutes }),
      ...(defaultAction === undefined ? {} : { defaultAction }),
    };
  });

// What the model is told; the aliases stay unadvertised.
const ESCALATE_JSON_SCHEMA: Readonly<Record<string, unknown>> = {
  type: 'object',
  properties: {
    reason: { type: 'string', description: 'One line: the decision you cannot take alone, or what blocks you' },
    triggerType: { type: 'string', description: 'architecture, security, data (risk of losing data), ambiguity (the task can be read several ways), lease (a file you cannot get), or your own word' },
    context: { type: 'string', description: 'What you were doing, what you found and what you tried' },
    options: { type: 'array', items: { type: 'string' }, description: 'The solutions you propose, best first' },
    deadlineMinutes: { type: 'number', description: 'How long a person has to answer, in minutes (omit: no deadline)' },
    defaultAction: { type: 'string', description: 'What to do when nobody answers before the deadline (omit: the task fails then)' },
  },
  required: ['reason'],
  additionalProperties: false,
};

/**
 * `Escalate`: asks a person to decide, and ends the attempt. The call's result carries the
 * {@link EscalationRequest} (`deadlineMinutes` as `deadlineMs`); the agent loop stops at once and the
 * attempt rejects with `AGENT_ESCALATED`, so the task waits (holding no slot) until a person answers;
 * the answer reaches its next attempt as guidance. Needs no permission beyond `read`: every
 * tool-using agent may ask.
 */
export const escalateTool: WorkspaceTool<EscalateInput> = {
  name: ESCALATE_TOOL_NAME,
  permission: 'read',
  description: [
    'Asks a person to decide, and stops your work until they answer; you then start again with their answer as guidance.',
    'Use it for a decision you must not take alone: an architecture choice the task does not settle, anything touching security,',
    'a step that could lose or corrupt data, a task that can be read several ways with different results, or a file lease you cannot get (RequestLease refused).',
    'Do not use it for what you can find out yourself by reading the code. Give the reason in one line, what you tried as context, and the options you see (best first).',
  ].join(' '),
  inputSchema: escalateInputSchema,
  inputJsonSchema: ESCALATE_JSON_SCHEMA,
  summarize: (input) => toSummaryLine(`${input.triggerType === undefined ? '' : `${input.triggerType}: `}${input.reason}`),
  execute(input) {
    const escalation = toEscalationRequest({
      reason: input.reason,
      triggerType: input.triggerType,
      context: input.context,
      options: input.options,
      deadlineMs: input.deadlineMinutes === undefined ? undefined : input.deadlineMinutes * 60_000,
      defaultAction: input.defaultAction,
    });
    // The schema requires a reason, so the request always reads.
    if (escalation === undefined) return Promise.reject(new Error('Escalate: a reason is required'));
    return Promise.resolve({ output: `Escalated to a person: ${escalation.reason}. Your attempt ends here; the answer comes with your next attempt.`, escalation });
  },
};
