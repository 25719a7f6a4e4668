import { describe, expect, it } from 'vitest';
import { parseAgentSubstitutions, substituteAgents } from './agent-substitutions.js';

describe('--agent ROLE=AGENT (issue 12: one coding CLI per role of a template)', () => {
  const tasks = [
    { id: 'implement', agentName: 'developer' },
    { id: 'test', agentName: 'tester' },
    { id: 'review', agentName: 'reviewer' },
  ];

  it('puts the named agents in the place of the roles, leaving the others', () => {
    const substitutions = parseAgentSubstitutions(['developer=claude-code', ' tester = gemini-cli ']);
    expect(substituteAgents(tasks, substitutions).map((task) => task.agentName)).toEqual(['claude-code', 'gemini-cli', 'reviewer']);
  });

  it('names a malformed value, a repeated role and a role no task uses', () => {
    expect(() => parseAgentSubstitutions(['developer'])).toThrow('--agent: expected ROLE=AGENT (two agent names, e.g. developer=claude-code), got "developer"');
    expect(() => parseAgentSubstitutions(['developer=claude code'])).toThrow('got "developer=claude code"');
    expect(() => parseAgentSubstitutions(['developer=codex', 'developer=claude-code'])).toThrow('--agent: developer is given twice');
    expect(() => substituteAgents(tasks, parseAgentSubstitutions(['devloper=codex']))).toThrow(
      '--agent: no task of this workflow runs on "devloper"; its agents are developer, reviewer, tester',
    );
  });
});
