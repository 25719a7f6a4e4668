import { describe, expect, it } from 'vitest';
import type { EnsembleError } from '../core/index.js';
import { isEnsembleError } from '../core/index.js';
import type { InlineWorkflowBody } from './resolve-inline-workflow.js';
import { resolveInlineWorkflow } from './resolve-inline-workflow.js';

function inlineError(body: InlineWorkflowBody): EnsembleError {
  try {
    resolveInlineWorkflow(body);
  } catch (error) {
    if (isEnsembleError(error)) return error;
    throw error;
  }
  throw new Error('expected resolveInlineWorkflow to throw');
}

describe('resolveInlineWorkflow', () => {
  it('parses the seed request body custom tasks with defaults applied', () => {
    const workflow = resolveInlineWorkflow({
      workflowName: 'Custom API Development',
      tasks: [
        { id: 'design-api', agentName: 'backend-architect', description: 'Design RESTful API', prompt: 'Design a RESTful API', priority: 10, maxTokens: 8000 },
        { id: 'implement-api', agentName: 'backend-architect', prompt: 'Implement it', dependencies: ['design-api'] },
      ],
    });
    expect(workflow).toMatchObject({ name: 'Custom API Development', source: 'inline', config: {}, parameters: {} });
    expect(workflow.workflowId).toBeUndefined();
    expect(workflow.tasks[1]).toEqual({
      id: 'implement-api',
      agentName: 'backend-architect',
      description: '',
      prompt: 'Implement it',
      dependencies: ['design-api'],
      priority: 5,
    });
  });

  it('substitutes the given parameters and names a default workflow', () => {
    const workflow = resolveInlineWorkflow({
      tasks: [{ id: 'a', agentName: 'x', prompt: 'Review {{files}} in {{ repo }}', context: { pr: '{{pr}}' } }],
      parameters: { files: ['a.ts', 'b.ts'], repo: 'acme/api', pr: 12 },
    });
    expect(workflow.name).toBe('Custom workflow');
    expect(workflow.tasks[0]?.prompt).toBe('Review a.ts, b.ts in acme/api');
    expect(workflow.tasks[0]?.context).toEqual({ pr: '12' });
    expect(workflow.parameters).toEqual({ files: ['a.ts', 'b.ts'], repo: 'acme/api', pr: 12 });
  });

  it('rejects placeholders naming no given parameter, and is strict about task keys', () => {
    const error = inlineError({
      tasks: [
        { id: 'a', agentName: 'x', prompt: 'for {{resource}}' },
        { id: 'b', agentName: 'x', dependecies: ['a'] },
      ],
    });
    expect(error.code).toBe('INVALID_WORKFLOW');
    expect(error.message.split('\n')).toEqual([
      'tasks[0].prompt: unknown parameter "{{resource}}" in task "a"; the workflow declares no parameters (write \\{{ for a literal "{{")',
      'tasks[1]: unknown field "dependecies" (did you mean "dependencies"?)',
    ]);
  });

  it('rejects a missing or empty task list', () => {
    expect(inlineError({ tasks: undefined }).message).toBe('tasks: expected an array of tasks');
    expect(inlineError({ tasks: {} }).message).toBe('tasks: expected an array of tasks');
    expect(inlineError({ tasks: [] }).message).toBe('tasks: a workflow needs at least one task');
  });
});
