import { describe, expect, it } from 'vitest';
import { createCostTable } from './cost-table.js';

describe('createCostTable', () => {
  it('prices default models per million input and output tokens', () => {
    const table = createCostTable();
    expect(table.costOf('anthropic', 'claude-sonnet-4-5', { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBe(18);
    expect(table.costOf('openai', 'gpt-4.1-mini', { inputTokens: 500_000, outputTokens: 0 })).toBeCloseTo(0.2, 10);
  });

  it('prices dated snapshots like their model, and Ollama models at zero without a warning', () => {
    const warnings: string[] = [];
    const table = createCostTable({ onWarning: (message) => warnings.push(message) });
    expect(table.priceOf('anthropic', 'claude-sonnet-4-5-20250929')).toEqual({ inputPerMillion: 3, outputPerMillion: 15 });
    expect(table.priceOf('openai', 'gpt-4.1-2025-04-14')).toEqual({ inputPerMillion: 2, outputPerMillion: 8 });
    expect(table.costOf('ollama', 'llama3.1:8b', { inputTokens: 1000, outputTokens: 1000 })).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('lets overrides win, exact ids before provider:* wildcards', () => {
    const table = createCostTable({
      overrides: {
        'openai:gpt-4.1': { inputPerMillion: 1, outputPerMillion: 1 },
        'openai-compatible:*': { inputPerMillion: 0.5, outputPerMillion: 0.5 },
        'openai-compatible:big': { inputPerMillion: 5, outputPerMillion: 5 },
      },
    });
    expect(table.priceOf('openai', 'gpt-4.1')).toEqual({ inputPerMillion: 1, outputPerMillion: 1 });
    expect(table.priceOf('openai-compatible', 'small')).toEqual({ inputPerMillion: 0.5, outputPerMillion: 0.5 });
    expect(table.priceOf('openai-compatible', 'big')).toEqual({ inputPerMillion: 5, outputPerMillion: 5 });
  });

  it('counts an unknown model as $0 and warns once per model', () => {
    const warnings: string[] = [];
    const table = createCostTable({ onWarning: (message) => warnings.push(message) });
    for (let index = 0; index < 3; index++) expect(table.costOf('openai', 'gpt-9', { inputTokens: 10, outputTokens: 10 })).toBe(0);
    table.costOf('google', 'gemini-9', { inputTokens: 1, outputTokens: 1 });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('openai:gpt-9');
  });
});
