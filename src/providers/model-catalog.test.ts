import { describe, expect, it } from 'vitest';
import { isEnsembleError } from '../core/index.js';
import { resolveModelReference } from './model-catalog.js';

describe('resolveModelReference', () => {
  it('maps haiku/sonnet/opus and fast/balanced/best to the provider tier table', () => {
    expect(resolveModelReference('haiku', { provider: 'anthropic' })).toEqual({ provider: 'anthropic', modelId: 'claude-haiku-4-5' });
    expect(resolveModelReference('fast', { provider: 'anthropic' })).toEqual({ provider: 'anthropic', modelId: 'claude-haiku-4-5' });
    expect(resolveModelReference('balanced', { provider: 'openai' })).toEqual({ provider: 'openai', modelId: 'gpt-4.1' });
    expect(resolveModelReference('best', { provider: 'google' })).toEqual({ provider: 'google', modelId: 'gemini-2.5-pro' });
    expect(resolveModelReference('sonnet', { provider: 'ollama' })).toEqual({ provider: 'ollama', modelId: 'llama3.1:8b' });
  });

  it('lets config tiers override, a tier and its twin alike', () => {
    const tiers = { openai: { haiku: 'gpt-4.1-nano', best: 'gpt-5' } };
    expect(resolveModelReference('fast', { provider: 'openai', tiers }).modelId).toBe('gpt-4.1-nano');
    expect(resolveModelReference('opus', { provider: 'openai', tiers }).modelId).toBe('gpt-5');
    expect(resolveModelReference('sonnet', { provider: 'openai', tiers }).modelId).toBe('gpt-4.1');
  });

  it('picks another provider with provider:model, splitting at the first colon', () => {
    expect(resolveModelReference('openai:gpt-4o', { provider: 'anthropic' })).toEqual({ provider: 'openai', modelId: 'gpt-4o' });
    expect(resolveModelReference('ollama:qwen2.5-coder:7b', { provider: 'anthropic' })).toEqual({ provider: 'ollama', modelId: 'qwen2.5-coder:7b' });
    expect(resolveModelReference('google:fast', { provider: 'anthropic' })).toEqual({ provider: 'google', modelId: 'gemini-2.5-flash-lite' });
  });

  it('takes anything else as a model id of the current provider (Ollama ids keep their colon)', () => {
    expect(resolveModelReference('claude-opus-4-1', { provider: 'anthropic' })).toEqual({ provider: 'anthropic', modelId: 'claude-opus-4-1' });
    expect(resolveModelReference('llama3.1:70b', { provider: 'ollama' })).toEqual({ provider: 'ollama', modelId: 'llama3.1:70b' });
  });

  it('reads empty and inherit as the default model, else sonnet', () => {
    expect(resolveModelReference('inherit', { provider: 'anthropic' }).modelId).toBe('claude-sonnet-4-5');
    expect(resolveModelReference('', { provider: 'anthropic', defaultModel: 'opus' }).modelId).toBe('claude-opus-4-5');
    expect(resolveModelReference('inherit', { provider: 'anthropic', defaultModel: 'openai:gpt-4o' })).toEqual({ provider: 'openai', modelId: 'gpt-4o' });
  });

  it('on local servers, resolves tiers to the default model when it is a concrete id', () => {
    expect(resolveModelReference('opus', { provider: 'ollama', defaultModel: 'qwen2.5-coder:7b' }).modelId).toBe('qwen2.5-coder:7b');
    expect(resolveModelReference('haiku', { provider: 'openai-compatible', defaultModel: 'openai-compatible:mistral' }).modelId).toBe('mistral');
    expect(resolveModelReference('haiku', { provider: 'openai-compatible', defaultModel: 'mistral', tiers: { 'openai-compatible': { fast: 'tiny' } } }).modelId).toBe('tiny');
    // Hosted providers keep their tier tables.
    expect(resolveModelReference('opus', { provider: 'anthropic', defaultModel: 'claude-opus-4-1' }).modelId).toBe('claude-opus-4-5');
  });

  it('says what to set when an OpenAI-compatible server has no model for a tier', () => {
    try {
      resolveModelReference('sonnet', { provider: 'openai-compatible' });
      expect.unreachable();
    } catch (error) {
      expect(isEnsembleError(error) && error.code).toBe('PROVIDER_NOT_CONFIGURED');
      expect((error as Error).message).toBe(
        'no model for tier "sonnet" on openai-compatible: set ENSEMBLE_MODEL (the model the server serves) or tiers.openai-compatible.sonnet in ensemble.config.yaml',
      );
    }
  });
});
