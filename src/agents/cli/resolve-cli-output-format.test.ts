import { describe, expect, it } from 'vitest';
import { resolveCliOutputFormat } from './resolve-cli-output-format.js';
import { parseAgentDefinition } from '../registry/parse-agent-definition.js';

const definition = (frontMatter: string) => `---\nname: coder\ndescription: A coding CLI\n${frontMatter}\n---\nNotes.\n`;

describe('outputFormat in agent definitions', () => {
  it('is read for cli agents', () => {
    const agent = parseAgentDefinition(definition('runtime: cli\ncommand: ["my-claude-wrapper", "{prompt}"]\noutputFormat: claude-json'), 'agents/coder.md');
    expect(agent.outputFormat).toBe('claude-json');
    expect(agent.extra).toEqual({});
    expect(parseAgentDefinition(definition('runtime: cli\ncommand: ["aider"]'), 'agents/coder.md').outputFormat).toBeUndefined();
  });

  it('rejects unknown formats and formats on agents that are not cli, naming the file and field', () => {
    expect(() => parseAgentDefinition(definition('runtime: cli\ncommand: ["x"]\noutputFormat: xml'), 'agents/coder.md')).toThrow(
      'agents/coder.md: outputFormat: expected one of text, claude-json, gemini-json, codex-jsonl',
    );
    expect(() => parseAgentDefinition(definition('runtime: command\ncommand: ["x"]\noutputFormat: text'), 'agents/coder.md')).toThrow(
      'agents/coder.md: outputFormat: only for runtime "cli" (this agent is "command")',
    );
  });
});

describe('resolveCliOutputFormat', () => {
  it('uses the declared format first', () => {
    expect(resolveCliOutputFormat({ outputFormat: 'text', command: ['claude', '-p', '{prompt}', '--output-format', 'json'] })).toBe('text');
  });

  it('infers the format from the program name and its output flags', () => {
    expect(resolveCliOutputFormat({ command: ['claude', '-p', '{prompt}', '--output-format', 'json'] })).toBe('claude-json');
    expect(resolveCliOutputFormat({ command: ['/opt/bin/claude', '-p', '--output-format=stream-json', '{prompt}'] })).toBe('claude-json');
    expect(resolveCliOutputFormat({ command: ['claude', '-p', '{prompt}'] })).toBe('text');
    expect(resolveCliOutputFormat({ command: ['gemini', '-p', '{prompt}', '-o', 'json'] })).toBe('gemini-json');
    expect(resolveCliOutputFormat({ command: ['gemini', '-p', '{prompt}'] })).toBe('text');
    expect(resolveCliOutputFormat({ command: ['codex.exe', 'exec', '--json', '{prompt}'] })).toBe('codex-jsonl');
    expect(resolveCliOutputFormat({ command: ['codex', 'exec', '{prompt}'] })).toBe('text');
    expect(resolveCliOutputFormat({ command: ['aider', '--message', '{prompt}'] })).toBe('text');
    expect(resolveCliOutputFormat({})).toBe('text');
  });
});
