import { describe, expect, it } from 'vitest';
import { AgentRegistry } from './agent-registry.js';
import type { AgentDefinition } from './parse-agent-definition.js';

function definition(name: string, category: string, source = `agents/${name}.md`): AgentDefinition {
  return { name, description: name, category, runtime: 'llm', tools: [], prompt: '', source, extra: {} };
}

describe('AgentRegistry', () => {
  it('looks agents up by name and lists them sorted by name, optionally by category', () => {
    const registry = new AgentRegistry();
    for (const [name, category] of [['tester', 'testing'], ['analyzer', 'development'], ['developer', 'development']] as const) {
      registry.register(definition(name, category));
    }
    expect(registry.size).toBe(3);
    expect(registry.has('tester')).toBe(true);
    expect(registry.has('nobody')).toBe(false);
    expect(registry.get('analyzer')?.category).toBe('development');
    expect(registry.list().map((agent) => agent.name)).toEqual(['analyzer', 'developer', 'tester']);
    expect(registry.list({ category: 'development' }).map((agent) => agent.name)).toEqual(['analyzer', 'developer']);
    expect(registry.list({ category: 'Testing' }).map((agent) => agent.name)).toEqual(['tester']);
    expect(registry.categories()).toEqual(['development', 'testing']);
  });

  it('replaces an agent registered again under the same name, with a warning', () => {
    const warnings: string[] = [];
    const registry = new AgentRegistry({ onWarning: (message) => warnings.push(message) });
    registry.register(definition('tester', 'testing', 'first.md'));
    registry.list();
    registry.register(definition('tester', 'quality', 'second.md'));
    expect(registry.size).toBe(1);
    expect(registry.get('tester')?.source).toBe('second.md');
    expect(registry.list()[0]?.category).toBe('quality');
    expect(warnings).toEqual(['agent "tester" from second.md replaces the one from first.md']);
  });

  it('hands out listings the caller may change without changing the registry', () => {
    const registry = new AgentRegistry();
    registry.register(definition('a', 'x'));
    registry.list().pop();
    expect(registry.list()).toHaveLength(1);
  });
});
