import { describe, expect, it } from 'vitest';
import { isEnsembleError } from '../../core/index.js';
import { parseAgentDefinition } from './parse-agent-definition.js';

function errorOf(text: string, source = 'agents/x.md'): { code: string; message: string } {
  try {
    parseAgentDefinition(text, source);
  } catch (error) {
    if (!isEnsembleError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error('expected parseAgentDefinition to throw');
}

describe('parseAgentDefinition', () => {
  it('reads every field of the documented format', () => {
    const definition = parseAgentDefinition(
      [
        '---',
        'name: unit-tests',
        'description: Runs the unit tests',
        'category: testing',
        'runtime: command',
        'command: ["npm", "test"]',
        'model: sonnet',
        'tools: Read, Grep, Bash',
        'timeoutMs: 600000',
        '---',
        '',
        'Notes about the tests.',
        '',
      ].join('\n'),
      'agents/unit-tests.md',
    );
    expect(definition).toEqual({
      name: 'unit-tests',
      description: 'Runs the unit tests',
      category: 'testing',
      runtime: 'command',
      command: ['npm', 'test'],
      model: 'sonnet',
      tools: ['Read', 'Grep', 'Bash'],
      timeoutMs: 600000,
      prompt: 'Notes about the tests.',
      source: 'agents/unit-tests.md',
      extra: {},
    });
  });

  it('defaults to category general, runtime llm and no tools', () => {
    const definition = parseAgentDefinition('---\nname: helper\ndescription: Helps\n---\nYou help.\n', 'x.md');
    expect(definition.category).toBe('general');
    expect(definition.runtime).toBe('llm');
    expect(definition.tools).toEqual([]);
    expect(definition.model).toBeUndefined();
    expect(definition.command).toBeUndefined();
    expect(definition.prompt).toBe('You help.');
  });

  it('reads tools as a YAML list as well as a comma-separated string', () => {
    const definition = parseAgentDefinition('---\nname: a\ndescription: d\ntools:\n  - Read\n  - Grep\n---\n', 'x.md');
    expect(definition.tools).toEqual(['Read', 'Grep']);
    expect(parseAgentDefinition('---\nname: a\ndescription: d\ntools: "Read,Grep , ,Bash"\n---\n', 'x.md').tools).toEqual([
      'Read',
      'Grep',
      'Bash',
    ]);
  });

  it('reads model: inherit, and an empty model, as "use the run\'s model"', () => {
    expect(parseAgentDefinition('---\nname: a\ndescription: d\nmodel: inherit\n---\n', 'x.md').model).toBeUndefined();
    expect(parseAgentDefinition('---\nname: a\ndescription: d\nmodel:\n---\n', 'x.md').model).toBeUndefined();
    expect(parseAgentDefinition('---\nname: a\ndescription: d\nmodel: openai:gpt-4o\n---\n', 'x.md').model).toBe('openai:gpt-4o');
  });

  it('keeps unknown front-matter keys in extra and ignores them', () => {
    const definition = parseAgentDefinition(
      '---\nname: a\ndescription: d\ncolor: blue\npermissionMode: acceptEdits\nhooks:\n  PreToolUse: [check]\n---\nbody',
      'x.md',
    );
    expect(definition.extra).toEqual({ color: 'blue', permissionMode: 'acceptEdits', hooks: { PreToolUse: ['check'] } });
  });

  it('accepts Claude Code descriptions with unquoted colons that strict YAML rejects', () => {
    const text = [
      '---',
      'name: code-helper',
      'description: Use this agent when code needs review. Examples: <example>Context: the user wrote code. user: "review it" assistant: "ok"</example>',
      'tools: Read, Grep',
      'model: inherit',
      'color: green',
      '---',
      'You review code.',
    ].join('\n');
    const definition = parseAgentDefinition(text, 'agents/code-helper.md');
    expect(definition.name).toBe('code-helper');
    expect(definition.description).toContain('Examples: <example>Context: the user wrote code.');
    expect(definition.tools).toEqual(['Read', 'Grep']);
    expect(definition.model).toBeUndefined();
    expect(definition.extra).toEqual({ color: 'green' });
  });

  it('handles CRLF line endings, a byte-order mark and an empty body', () => {
    const definition = parseAgentDefinition('\uFEFF---\r\nname: a\r\ndescription: d\r\n---\r\n', 'x.md');
    expect(definition.name).toBe('a');
    expect(definition.prompt).toBe('');
  });

  it('lower-cases the category', () => {
    expect(parseAgentDefinition('---\nname: a\ndescription: d\ncategory: Security\n---\n', 'x.md').category).toBe('security');
  });

  it('names the file and the field of an invalid runtime', () => {
    expect(errorOf('---\nname: x\ndescription: d\nruntime: shell\n---\n')).toEqual({
      code: 'INVALID_AGENT_DEFINITION',
      message: 'agents/x.md: runtime: expected one of llm, cli, command, simulated',
    });
  });

  it('names a missing name and a bad name', () => {
    expect(errorOf('---\ndescription: d\n---\n').message).toBe('agents/x.md: name: required');
    expect(errorOf('---\nname: has space\ndescription: d\n---\n').message).toMatch(/^agents\/x\.md: name: must be/);
    expect(errorOf('---\nname: ok\n---\n').message).toBe('agents/x.md: description: required');
  });

  it('requires a command for cli and command runtimes', () => {
    expect(errorOf('---\nname: x\ndescription: d\nruntime: cli\n---\n').message).toBe(
      'agents/x.md: command: required for runtime "cli" (an argv list such as ["npm", "test"])',
    );
  });

  it('rejects a command given as a shell string', () => {
    expect(errorOf('---\nname: x\ndescription: d\nruntime: command\ncommand: npm test && rm -rf /\n---\n').message).toMatch(
      /^agents\/x\.md: command: expected a list of arguments \(argv\)/,
    );
  });

  it('allows {prompt} only as a whole argument', () => {
    const ok = parseAgentDefinition('---\nname: x\ndescription: d\nruntime: cli\ncommand: [claude, -p, "{prompt}"]\n---\n', 'x.md');
    expect(ok.command).toEqual(['claude', '-p', '{prompt}']);
    expect(errorOf('---\nname: x\ndescription: d\nruntime: cli\ncommand: [aider, "--message={prompt}"]\n---\n').message).toBe(
      'agents/x.md: command[1]: "{prompt}" must be a whole argument, not part of "--message={prompt}"',
    );
  });

  it('reports every problem at once', () => {
    const { message } = errorOf('---\nname: x\ndescription: 3\ntimeoutMs: -5\n---\n');
    expect(message).toContain('description: expected a string');
    expect(message).toContain('timeoutMs: must be positive');
  });

  it('rejects files without front matter, unclosed front matter and unreadable YAML', () => {
    expect(errorOf('# Just Markdown\n').message).toMatch(/^agents\/x\.md: missing YAML front matter/);
    expect(errorOf('---\nname: x\ndescription: d\n').message).toBe('agents/x.md: front matter is not closed by a line "---"');
    expect(errorOf('---\nname: x\nthis is: not: yaml\n---\n').message).toMatch(/^agents\/x\.md: front matter is not valid YAML/);
    expect(errorOf('---\n- a\n- b\n---\n').message).toBe('agents/x.md: front matter must be a mapping of fields (key: value lines)');
  });
});

describe('parseAgentDefinition: process limits', () => {
  it('reads limits as a block or a flow mapping', () => {
    const block = parseAgentDefinition(
      '---\nname: x\ndescription: d\nruntime: command\ncommand: [make]\nlimits:\n  memoryMb: 512\n  cpuSeconds: 1.5\n  wallTimeMs: 60000\n  outputBytes: 1048576\n---\n',
      'x.md',
    );
    expect(block.limits).toEqual({ memoryMb: 512, cpuSeconds: 1.5, wallTimeMs: 60_000, outputBytes: 1_048_576 });
    expect(block.extra).toEqual({});
    const flow = parseAgentDefinition('---\nname: x\ndescription: d\nruntime: command\ncommand: [make]\nlimits: {memoryMb: 256}\n---\n', 'x.md');
    expect(flow.limits).toEqual({ memoryMb: 256 });
  });

  it('rejects unknown, non-positive and fractional limits, naming the field', () => {
    const base = '---\nname: x\ndescription: d\nruntime: command\ncommand: [make]\n';
    expect(errorOf(`${base}limits: {memoryMB: 256}\n---\n`).message).toMatch(/^agents\/x\.md: limits: .*memoryMB/);
    expect(errorOf(`${base}limits: {cpuSeconds: 0}\n---\n`).message).toBe('agents/x.md: limits.cpuSeconds: must be positive');
    expect(errorOf(`${base}limits: {wallTimeMs: 1.5}\n---\n`).message).toBe('agents/x.md: limits.wallTimeMs: expected a whole number of milliseconds');
    expect(errorOf(`${base}limits: 512\n---\n`).message).toMatch(/^agents\/x\.md: limits: expected a mapping/);
  });
});
