import { describe, expect, it } from 'vitest';
import { toModelLabels } from './to-model-labels.js';

describe('toModelLabels', () => {
  it('splits an llm model at the first colon, keeping colons of the model id', () => {
    expect(toModelLabels({ runtime: 'llm', model: 'anthropic:claude-sonnet-4-5' })).toEqual({ provider: 'anthropic', model: 'claude-sonnet-4-5' });
    expect(toModelLabels({ runtime: 'llm', model: 'ollama:llama3.1:8b' })).toEqual({ provider: 'ollama', model: 'llama3.1:8b' });
  });

  it('counts simulated attempts under the simulated provider with the reference they stand for', () => {
    expect(toModelLabels({ runtime: 'simulated', model: 'simulated:sonnet' })).toEqual({ provider: 'simulated', model: 'sonnet' });
    expect(toModelLabels({ runtime: 'simulated', model: 'simulated:openai:gpt-4.1' })).toEqual({ provider: 'simulated', model: 'openai:gpt-4.1' });
  });

  it('names the runtime as provider for agents that call none, and splits an in-process task model that names one', () => {
    expect(toModelLabels({ runtime: 'command', model: 'n/a' })).toEqual({ provider: 'command', model: 'n/a' });
    expect(toModelLabels({ runtime: 'cli', model: 'n/a' })).toEqual({ provider: 'cli', model: 'n/a' });
    expect(toModelLabels({ runtime: 'in-process', model: 'in-process' })).toEqual({ provider: 'in-process', model: 'in-process' });
    expect(toModelLabels({ runtime: 'in-process', model: 'openai:gpt-4.1' })).toEqual({ provider: 'openai', model: 'gpt-4.1' });
  });

  it('never exports an empty label value', () => {
    expect(toModelLabels({ runtime: 'llm', model: '' })).toEqual({ provider: 'llm', model: 'unknown' });
    expect(toModelLabels({ runtime: '', model: 'x' })).toEqual({ provider: 'unknown', model: 'x' });
  });
});
