import { describe, expect, it } from 'vitest';
import { taskSpecSchema } from '../../core/index.js';
import type { ContextEntry } from '../../core/index.js';
import { parseAgentDefinition } from '../registry/index.js';
import { composeLlmMessages } from './compose-llm-messages.js';

const agent = parseAgentDefinition('---\nname: frontend\ndescription: Builds the UI\n---\nYou build the UI.\n', 'test');
const task = taskSpecSchema.parse({ id: 'ui', agentName: 'frontend', prompt: 'Build the todo page' });

function entry(fields: Partial<ContextEntry> & Pick<ContextEntry, 'key' | 'relation' | 'source' | 'agentName' | 'text'>): ContextEntry {
  return { treatment: 'whole', tokens: 10, ...fields };
}

describe('composeLlmMessages', () => {
  it('has no context section when the task received none', () => {
    const { prompt } = composeLlmMessages(agent, task, [{ taskId: 'api', agentName: 'backend', output: 'GET /todos' }]);
    expect(prompt).toBe('Build the todo page\n\n## Outputs of the tasks this one depends on\n\n### api (backend)\n\nGET /todos');
  });

  it('renders the rest of the context after the dependency outputs: messages, outputs and shared entries, with where each comes from and how it was cut', () => {
    const context = [
      { ...entry({ key: 'message:run-1:api:1:m1', relation: 'message', source: 'backend', agentName: 'backend', text: 'Use /api/v2.\n' }), messageType: 'request' as const },
      entry({ key: 'output:analyze', relation: 'ancestor', source: 'analyze', agentName: 'analyzer', text: 'Users want offline mode.', treatment: 'summary' }),
      entry({ key: 'output:docs', relation: 'pool', source: 'docs', agentName: 'writer', text: 'README head … tail', treatment: 'trimmed' }),
      entry({ key: 'shared:theme@2', relation: 'shared', source: 'theme', agentName: 'designer', text: 'dark' }),
    ];
    const { prompt } = composeLlmMessages(agent, task, [{ taskId: 'api', agentName: 'backend', output: 'GET /todos' }], context);
    expect(prompt).toBe(
      [
        'Build the todo page',
        '',
        '## Outputs of the tasks this one depends on',
        '',
        '### api (backend)',
        '',
        'GET /todos',
        '',
        '## More context from this run',
        '',
        '### Message from backend (request; id run-1:api:1:m1)',
        '',
        'Use /api/v2.',
        '',
        '### Output of analyze (analyzer): a task this one depends on indirectly; a summary, not the whole output',
        '',
        'Users want offline mode.',
        '',
        '### Output of docs (writer): another task of this run; trimmed: its middle was cut to fit',
        '',
        'README head … tail',
        '',
        '### Shared context "theme" (set by designer)',
        '',
        'dark',
        '',
        'To answer a message, call SendMessage if you have it, or write in your answer:',
        '<AGENT_MESSAGE to="AGENT" type="response" in-reply-to="ID">your answer</AGENT_MESSAGE>',
        '(the tag is taken out of your answer and delivered).',
      ].join('\n'),
    );
  });

  it('names a message without a recorded type as a message, and gives no answering hint without messages', () => {
    const message = entry({ key: 'message:m9', relation: 'message', source: 'qa', agentName: 'qa', text: 'Tests are green' });
    expect(composeLlmMessages(agent, task, [], [message]).prompt).toContain('### Message from qa (message; id m9)\n\nTests are green');
    const shared = entry({ key: 'shared:k@1', relation: 'shared', source: 'k', agentName: 'a', text: 'v' });
    expect(composeLlmMessages(agent, task, [], [shared]).prompt).not.toContain('To answer a message');
  });

  it('puts a person\'s guidance first in the context section, under a heading that says to follow it', () => {
    const context = [
      entry({ key: 'output:docs', relation: 'pool', source: 'docs', agentName: 'writer', text: 'README' }),
      entry({ key: 'escalation:E-1', relation: 'guidance', source: 'E-1', agentName: 'frontend', text: 'You escalated: Which store?\nA person answered: Use SQLite' }),
    ];
    const { prompt } = composeLlmMessages(agent, task, [], context);
    expect(prompt).toBe(
      [
        'Build the todo page',
        '',
        '## More context from this run',
        '',
        '### Guidance from a person, answering your escalation E-1: follow it',
        '',
        'You escalated: Which store?',
        'A person answered: Use SQLite',
        '',
        '### Output of docs (writer): another task of this run',
        '',
        'README',
      ].join('\n'),
    );
  });
});
