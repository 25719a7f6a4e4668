import { describe, expect, it } from 'vitest';
import { taskSpecSchema, type ContextEntry } from '../core/index.js';
import { parseAgentDefinition } from '../agents/index.js';
import { computeCacheKey, hashAgentDefinition, type CacheKeyInput } from './compute-cache-key.js';
import { toCanonicalJson } from './to-canonical-json.js';

const REVIEWER = '---\nname: reviewer\ndescription: Reviews code\ntools: Read, Grep\nmodel: sonnet\n---\nYou review code.\n';

function base(): CacheKeyInput {
  return {
    agent: parseAgentDefinition(REVIEWER, '/agents/reviewer.md'),
    runtime: 'llm',
    model: 'openai:gpt-4.1',
    task: taskSpecSchema.parse({ id: 'review', agentName: 'reviewer', prompt: 'Review src/' }),
    inputs: [{ taskId: 'plan', agentName: 'planner', output: 'the plan' }],
    context: [],
    permissions: 'read',
    communication: true,
    workspace: '/work/project',
    workspaceState: 'git:0123',
  };
}

const message = (key: string, text: string): ContextEntry => ({ key, relation: 'message', source: 'planner', agentName: 'planner', text, treatment: 'whole', tokens: 3, messageType: 'data' });

describe('computeCacheKey', () => {
  it('is a sha256 that does not depend on key order or where the agent file was read from', () => {
    const key = computeCacheKey(base());
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(computeCacheKey(base())).toBe(key);
    expect(computeCacheKey({ ...base(), agent: parseAgentDefinition(REVIEWER, '/elsewhere/reviewer.md') })).toBe(key);
    expect(toCanonicalJson({ b: 1, a: { d: [1, { f: 2, e: undefined }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"f":2}]},"b":1}');
  });

  it('changes with everything the output may depend on', () => {
    const key = computeCacheKey(base());
    const variants: Partial<CacheKeyInput>[] = [
      { agent: parseAgentDefinition(REVIEWER.replace('You review code.', 'You review code carefully.'), '/agents/reviewer.md') },
      { agent: parseAgentDefinition(REVIEWER.replace('tools: Read, Grep', 'tools: Read'), '/agents/reviewer.md') },
      { agent: parseAgentDefinition(REVIEWER.replace('model: sonnet\n', 'model: sonnet\ncolor: red\n'), '/agents/reviewer.md') },
      { model: 'openai:gpt-4.1-mini' },
      { runtime: 'simulated' },
      { task: taskSpecSchema.parse({ id: 'review', agentName: 'reviewer', prompt: 'Review lib/' }) },
      { task: taskSpecSchema.parse({ id: 'review', agentName: 'reviewer', prompt: 'Review src/', maxTokens: 100 }) },
      { task: taskSpecSchema.parse({ id: 'review', agentName: 'reviewer', prompt: 'Review src/', responseFormat: 'review-findings' }) },
      { task: taskSpecSchema.parse({ id: 'review-2', agentName: 'reviewer', prompt: 'Review src/' }) },
      { inputs: [{ taskId: 'plan', agentName: 'planner', output: 'another plan' }] },
      { context: [message('message:m1', 'hello')] },
      { permissions: 'edit' },
      { communication: false },
      { workspace: '/work/copy-of-project' },
      { workspaceState: 'git:4567' },
    ];
    const keys = variants.map((variant) => computeCacheKey({ ...base(), ...variant }));
    for (const other of keys) expect(other).not.toBe(key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('ignores run-specific ids of context entries and the agent\'s cache setting', () => {
    const withMessage = computeCacheKey({ ...base(), context: [message('message:r-1:7', 'hello')] });
    expect(computeCacheKey({ ...base(), context: [message('message:r-2:3', 'hello')] })).toBe(withMessage);
    const agent = parseAgentDefinition(REVIEWER, '/agents/reviewer.md');
    expect(hashAgentDefinition({ ...agent, cache: { ttl: 60_000 } } as typeof agent)).toBe(hashAgentDefinition(agent));
  });
});
