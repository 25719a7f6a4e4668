import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { countTokens, countTokensWith } from './count-tokens.js';
import { tokenizerFor } from './tokenizer-for.js';

describe('tokenizerFor', () => {
  it('gives OpenAI model families their published encodings, whoever serves them', () => {
    for (const model of ['openai:gpt-4o', 'openai:gpt-4o-mini', 'openai:gpt-4.1', 'gpt-4.1-nano', 'openai:gpt-5', 'gpt-5.1-codex', 'openai:o1', 'o3-mini', 'openai:o4-mini', 'openai-compatible:gpt-4o', 'ollama:gpt-oss:20b', 'openrouter:openai/gpt-4o', 'ft:gpt-4o-mini:acme::abc123', 'OpenAI:GPT-4o']) {
      expect(tokenizerFor(model), model).toBe('o200k_base');
    }
    for (const model of ['openai:gpt-4', 'gpt-4-turbo', 'openai:gpt-4-0613', 'gpt-3.5-turbo', 'gpt-35-turbo', 'text-embedding-3-small']) {
      expect(tokenizerFor(model), model).toBe('cl100k_base');
    }
  });

  it('estimates for families without a tokenizer on npm, tiers, simulated and in-process agents', () => {
    for (const model of ['anthropic:claude-sonnet-4-5', 'claude-opus-4-5', 'google:gemini-2.5-pro', 'ollama:llama3.1:8b', 'openai-compatible:qwen2.5-coder', 'simulated:sonnet', 'simulated:gpt-4o', 'sonnet', 'fast', 'in-process', 'n/a', 'o10', 'gpt-4.10', 'gpt-40']) {
      expect(tokenizerFor(model), model).toBe('estimate');
    }
  });
});

describe('countTokens', () => {
  // Token ids of these strings are the worked examples of OpenAI's cookbook "How to count tokens with tiktoken".
  it('counts with the real encoders', () => {
    expect(countTokens('hello world', 'openai:gpt-4o')).toBe(2);
    expect(countTokens('antidisestablishmentarianism', 'openai:gpt-4.1')).toBe(6);
    expect(countTokens('お誕生日おめでとう', 'openai:gpt-4o')).toBe(8);
    expect(countTokens('お誕生日おめでとう', 'openai:gpt-4')).toBe(9);
    expect(countTokens('tiktoken is great!', 'gpt-3.5-turbo')).toBe(6);
  });

  it('estimates one token per four characters otherwise', () => {
    expect(countTokens('お誕生日おめでとう', 'anthropic:claude-sonnet-4-5')).toBe(3);
    expect(countTokensWith('abcdefghi', 'estimate')).toBe(3);
    expect(countTokens('', 'openai:gpt-4o')).toBe(0);
  });

  it('counts special-token text as ordinary text instead of throwing', () => {
    expect(countTokens('a <|endoftext|> b', 'openai:gpt-4o')).toBeGreaterThan(3);
    expect(countTokens('<|im_start|>', 'openai:gpt-4')).toBeGreaterThan(1);
  });
});

describe('countTokens on pathological text', () => {
  const countExactly = (text: string): number => countO200k(text, { disallowedSpecial: new Set() });

  // The encoder is quadratic in one long chunk (40,000 CJK characters took 38 s): such runs are counted in slices.
  it('counts long runs of letters, symbols and whitespace in slices, close to the exact count', () => {
    for (const run of ['お誕生日おめでとう'.repeat(30), '😀'.repeat(300), ' '.repeat(1000), 'a'.repeat(2000)]) {
      const text = `before ${run} after`;
      const exact = countExactly(text);
      const sliced = countTokens(text, 'openai:gpt-4o');
      expect(Math.abs(sliced - exact), run.slice(0, 3)).toBeLessThanOrEqual(Math.ceil(run.length / 256) + 2);
    }
  });

  it('counts 400,000 characters of one unbroken run', () => {
    expect(countTokens('お'.repeat(400_000), 'openai:gpt-4o')).toBeGreaterThan(100_000);
  });
});
