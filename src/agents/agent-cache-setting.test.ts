import { describe, expect, it } from 'vitest';
import { parseAgentDefinition } from './registry/index.js';
import { agentFrontMatterSchema } from './schema.js';

const file = (cache: string): string => `---\nname: reviewer\ndescription: Reviews\ntools: Read\n${cache}\n---\nYou review.\n`;

describe('an agent\'s cache: front matter (issue 13)', () => {
  it('takes a ttl as a duration or ms, or false to opt out', () => {
    const parse = (cache: unknown) => agentFrontMatterSchema.parse({ name: 'reviewer', description: 'Reviews', cache }).cache;
    expect(parse({ ttl: '12h' })).toEqual({ ttl: 12 * 3_600_000 });
    expect(parse({ ttl: 90_000 })).toEqual({ ttl: 90_000 });
    expect(parse(false)).toBe(false);
    expect(() => parseAgentDefinition(file('cache:\n  ttl: 30m'), 'agents/reviewer.md')).not.toThrow();
    expect(() => parseAgentDefinition(file('cache: false'), 'agents/reviewer.md')).not.toThrow();
  });

  it('refuses a bad setting, naming the file and the field', () => {
    expect(() => parseAgentDefinition(file('cache:\n  ttl: soon'), 'agents/reviewer.md')).toThrow(
      expect.objectContaining({ code: 'INVALID_AGENT_DEFINITION', message: expect.stringMatching(/^agents\/reviewer\.md: cache/) }),
    );
    expect(() => parseAgentDefinition(file('cache:\n  tll: 1h'), 'agents/reviewer.md')).toThrow(expect.objectContaining({ message: expect.stringContaining('agents/reviewer.md: cache') }));
    expect(() => parseAgentDefinition(file('cache: true'), 'agents/reviewer.md')).toThrow(expect.objectContaining({ message: expect.stringContaining('expected {ttl: 12h}') }));
  });
});
