import { describe, expect, it } from 'vitest';
import { parseAgentDefinition } from './registry/index.js';

const definition = (env: string): string => `---\nname: tool\ndescription: A tool\nruntime: command\ncommand: ["tool"]\nenv: ${env}\n---\nNotes.\n`;

describe('agent front matter: env', () => {
  it('reads a list of names to pass through, with prefix patterns', () => {
    expect(parseAgentDefinition(definition('[ANTHROPIC_API_KEY, "AIDER_*"]'), 'tool.md').env).toEqual({ passThrough: ['ANTHROPIC_API_KEY', 'AIDER_*'], values: {} });
  });

  it('reads a mapping of values; a name mapped to nothing is passed through', () => {
    const text = `---\nname: tool\ndescription: A tool\nruntime: command\ncommand: ["tool"]\nenv:\n  CI: 1\n  DEBUG: "app:*"\n  OPENAI_API_KEY:\n---\n`;
    expect(parseAgentDefinition(text, 'tool.md').env).toEqual({ passThrough: ['OPENAI_API_KEY'], values: { CI: '1', DEBUG: 'app:*' } });
  });

  it('rejects what is not a variable name, task variables and other shapes, naming the field', () => {
    expect(() => parseAgentDefinition(definition('["API KEY"]'), 'tool.md')).toThrow('tool.md: env[0]: "API KEY" is not an environment variable name');
    expect(() => parseAgentDefinition(definition('[ENSEMBLE_TASK_ID]'), 'tool.md')).toThrow('tool.md: env[0]: ENSEMBLE_TASK_ID is set by ensemble for every task and cannot be declared');
    expect(() => parseAgentDefinition(definition('{A: [1, 2]}'), 'tool.md')).toThrow('tool.md: env.A: expected a string value, or nothing to pass the variable through');
    expect(() => parseAgentDefinition(definition('ANTHROPIC_API_KEY'), 'tool.md')).toThrow(/tool\.md: env: expected a list of variable names/);
  });
});
