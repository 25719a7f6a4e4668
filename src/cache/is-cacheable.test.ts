import { describe, expect, it } from 'vitest';
import { isCacheable, uncacheableReason } from './is-cacheable.js';
import type { CacheableAgentFields } from './is-cacheable.js';

const agent = (tools: readonly string[], runtime: CacheableAgentFields['runtime'] = 'llm'): CacheableAgentFields => ({ name: 'a', runtime, tools });

describe('isCacheable', () => {
  it('never caches agents that run programs, whatever their tools', () => {
    expect(uncacheableReason(agent([], 'command'), 'read')).toContain('runs as "command"');
    expect(isCacheable(agent(['Read'], 'cli'), 'read')).toBe(false);
    expect(isCacheable(agent(['Read'], 'simulated'), 'full')).toBe(true);
  });

  it('caches a read-only tool list under every ceiling', () => {
    for (const ceiling of ['read', 'edit', 'full'] as const) expect(isCacheable(agent(['Read', 'Glob', 'Grep', 'SendMessage', 'Escalate']), ceiling)).toBe(true);
  });

  it('refuses write tools under edit and full, but not under read (where they are not offered)', () => {
    for (const tool of ['Write', 'Edit', 'NotebookEdit', 'MultiEdit']) {
      expect(isCacheable(agent(['Read', tool]), 'read')).toBe(true);
      expect(uncacheableReason(agent(['Read', tool]), 'edit')).toBe(`agent a may ${tool} files under --permissions edit`);
      expect(isCacheable(agent(['Read', tool]), 'full')).toBe(false);
    }
  });

  it('refuses Bash (with or without a pattern) only under full', () => {
    expect(isCacheable(agent(['Read', 'Bash']), 'edit')).toBe(true);
    expect(isCacheable(agent(['Read', 'Bash(npm test)']), 'full')).toBe(false);
    expect(uncacheableReason(agent([' Bash ']), 'full')).toContain('may run Bash');
  });

  it('refuses any MCP tool, whatever the ceiling', () => {
    expect(uncacheableReason(agent(['Read', 'mcp__github__get_issue']), 'read')).toContain('MCP tool mcp__github__get_issue');
    expect(isCacheable(agent(['mcp__docs']), 'read')).toBe(false);
  });

  it('reads an empty tool list as every builtin within the ceiling', () => {
    expect(isCacheable(agent([]), 'read')).toBe(true);
    expect(uncacheableReason(agent([]), 'edit')).toContain('gets Write and Edit');
    expect(uncacheableReason(agent([]), 'full')).toContain('gets Write, Edit and Bash');
  });
});
