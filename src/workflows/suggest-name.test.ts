import { describe, expect, it } from 'vitest';
import { suggestName } from './suggest-name.js';

describe('suggestName', () => {
  const fields = ['id', 'agentName', 'dependencies', 'priority', 'prompt', 'timeoutMs'];

  it.each([
    ['dependecies', 'dependencies'],
    ['depedencies', 'dependencies'],
    ['priorty', 'priority'],
    ['AgentName', 'agentName'],
    ['promtp', 'prompt'],
    ['timeoutms', 'timeoutMs'],
  ])('suggests %s → %s', (typo, expected) => {
    expect(suggestName(typo, fields)).toBe(expected);
  });

  it('suggests nothing for names that are not near any candidate', () => {
    expect(suggestName('agent', fields)).toBeUndefined();
    expect(suggestName('xy', fields)).toBeUndefined();
    expect(suggestName('anything', [])).toBeUndefined();
  });
});
