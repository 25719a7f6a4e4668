import { describe, expect, it } from 'vitest';
import { inProcessAgents, registerAgent, unregisterAgent } from './in-process-agents.js';
import type { InProcessAgent } from './in-process-agents.js';

describe('in-process agents', () => {
  it('registers, replaces and unregisters agents by name', () => {
    const first: InProcessAgent = { name: 'registry-probe', run: () => 'one' };
    const second: InProcessAgent = { name: 'registry-probe', run: () => 'two' };
    registerAgent(first);
    expect(inProcessAgents().get('registry-probe')).toBe(first);
    registerAgent(second);
    expect(inProcessAgents().get('registry-probe')).toBe(second);
    expect(unregisterAgent('registry-probe')).toBe(true);
    expect(inProcessAgents().has('registry-probe')).toBe(false);
    expect(unregisterAgent('registry-probe')).toBe(false);
  });

  it('rejects invalid names and agents without run', () => {
    expect(() => registerAgent({ name: 'has space', run: () => '' })).toThrow(/name "has space" must be/);
    expect(() => registerAgent({ name: 'no-run' } as unknown as InProcessAgent)).toThrow(/expected \{name, run/);
  });
});
