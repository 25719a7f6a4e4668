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

describe('agent front matter: permissions and onRefusal (issue 12)', () => {
  const cli = (extra: string, command = '["coder", "{permissions}", "--"]'): string =>
    `---\nname: coder\ndescription: A coding CLI\nruntime: cli\ncommand: ${command}\n${extra}\n---\nNotes.\n`;

  it('reads the arguments of each ceiling, in list or {args, env} form, and the refusal policy', () => {
    const agent = parseAgentDefinition(
      cli('permissions:\n  read: ["--mode", "plan"]\n  edit: ["--mode", "accept"]\n  full: {args: ["--mode", "bypass"], env: {IS_SANDBOX: "1"}}\nonRefusal: warn'),
      'coder.md',
    );
    expect(agent.permissions).toEqual({
      read: { args: ['--mode', 'plan'], env: {} },
      edit: { args: ['--mode', 'accept'], env: {} },
      full: { args: ['--mode', 'bypass'], env: { IS_SANDBOX: '1' } },
    });
    expect(agent.onRefusal).toBe('warn');
    expect(agent.extra).toEqual({});
  });

  it('requires all three ceilings, the placeholder with the mapping and the mapping with the placeholder', () => {
    expect(() => parseAgentDefinition(cli('permissions:\n  read: []\n  edit: []'), 'coder.md')).toThrow('coder.md: permissions.full: expected a list of arguments');
    expect(() => parseAgentDefinition(cli('permissions: {read: [], edit: [], full: []}', '["coder"]'), 'coder.md')).toThrow(
      'coder.md: command: must have a "{permissions}" argument where the arguments of permissions: go',
    );
    expect(() => parseAgentDefinition(cli(''), 'coder.md')).toThrow('coder.md: permissions: required when the command has "{permissions}"');
    expect(() => parseAgentDefinition(cli('permissions: {read: [], edit: [], full: []}', '["coder", "--x={permissions}"]'), 'coder.md')).toThrow(
      '"{permissions}" must be a whole argument',
    );
    expect(() => parseAgentDefinition(cli('permissions: {read: [], edit: [], full: []}\nonRefusal: ignore'), 'coder.md')).toThrow('coder.md: onRefusal: expected fail or warn');
  });

  it('is only for cli agents', () => {
    const text = '---\nname: tool\ndescription: A tool\nruntime: command\ncommand: ["tool"]\nonRefusal: warn\n---\n';
    expect(() => parseAgentDefinition(text, 'tool.md')).toThrow('tool.md: onRefusal: only for runtime "cli" (this agent is "command")');
  });
});
