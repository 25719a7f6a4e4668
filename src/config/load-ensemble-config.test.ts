import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEnsembleError } from '../core/index.js';
import type { EnsembleError } from '../core/index.js';
import { collectSecrets } from './collect-secrets.js';
import { loadEnsembleConfig } from './load-ensemble-config.js';
import { PROVIDER_POLICY_DEFAULTS, resolveProviderPolicy } from './provider-policy.js';

function folderWith(config?: string, name = 'ensemble.config.yaml'): string {
  const folder = mkdtempSync(join(tmpdir(), 'ensemble-config-'));
  if (config !== undefined) writeFileSync(join(folder, name), config);
  return folder;
}

function failure(run: () => unknown): EnsembleError {
  try {
    run();
  } catch (error) {
    if (isEnsembleError(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('loadEnsembleConfig', () => {
  it('finds no provider in an empty environment without a file (agents run simulated)', () => {
    const config = loadEnsembleConfig({ cwd: folderWith(), env: {} });
    expect(config).toEqual({ providers: {}, tiers: {}, costs: {} });
  });

  it('picks the first configured provider in the order anthropic, openai, google, ollama, openai-compatible', () => {
    const cwd = folderWith();
    expect(loadEnsembleConfig({ cwd, env: { GOOGLE_GENERATIVE_AI_API_KEY: 'g-key', OPENAI_API_KEY: 'o-key' } }).provider).toBe('openai');
    expect(loadEnsembleConfig({ cwd, env: { OLLAMA_BASE_URL: 'http://127.0.0.1:11434', ANTHROPIC_API_KEY: 'a-key' } }).provider).toBe('anthropic');
    expect(loadEnsembleConfig({ cwd, env: { OLLAMA_BASE_URL: 'http://127.0.0.1:11434/' } })).toMatchObject({
      provider: 'ollama',
      providers: { ollama: { baseURL: 'http://127.0.0.1:11434' } },
    });
  });

  it('treats OPENAI_BASE_URL as an OpenAI-compatible server, with OPENAI_API_KEY as its key', () => {
    const config = loadEnsembleConfig({ cwd: folderWith(), env: { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', OPENAI_API_KEY: 'local-key' } });
    expect(config.provider).toBe('openai-compatible');
    expect(config.providers).toEqual({ 'openai-compatible': { baseURL: 'http://127.0.0.1:8000/v1', apiKey: 'local-key' } });
  });

  it('ignores empty variables and reads ENSEMBLE_MODEL as the default model', () => {
    const config = loadEnsembleConfig({ cwd: folderWith(), env: { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '  ', ENSEMBLE_MODEL: 'opus' } });
    expect(config).toEqual({ model: 'opus', providers: {}, tiers: {}, costs: {} });
  });

  it('reads the file: provider, model, providers, tiers, costs and budget; the environment wins over its values', () => {
    const cwd = folderWith(
      [
        'provider: anthropic',
        'model: haiku',
        'providers:',
        '  anthropic: {apiKey: file-key, baseURL: "https://proxy.example/v1/"}',
        '  openai-compatible: {baseURL: "http://127.0.0.1:8000/v1", name: vllm}',
        'tiers:',
        '  anthropic: {fast: claude-3-5-haiku-latest}',
        'costs:',
        '  "openai-compatible:*": {inputPerMillion: 0.1, outputPerMillion: 0.2}',
        'budget:',
        '  run: {tokens: 100000, costUsd: 2.5}',
        '  agents: {developer: {tokens: 20000}}',
      ].join('\n'),
    );
    const config = loadEnsembleConfig({ cwd, env: { ANTHROPIC_API_KEY: 'env-key', ENSEMBLE_MODEL: 'sonnet' } });
    expect(config).toEqual({
      file: join(cwd, 'ensemble.config.yaml'),
      provider: 'anthropic',
      model: 'sonnet',
      providers: {
        anthropic: { apiKey: 'env-key', baseURL: 'https://proxy.example/v1' },
        'openai-compatible': { baseURL: 'http://127.0.0.1:8000/v1', name: 'vllm' },
      },
      tiers: { anthropic: { fast: 'claude-3-5-haiku-latest' } },
      costs: { 'openai-compatible:*': { inputPerMillion: 0.1, outputPerMillion: 0.2 } },
      budget: { run: { tokens: 100000, costUsd: 2.5 }, agents: { developer: { tokens: 20000 } } },
    });
  });

  it('lets the requested provider win over the file and the environment', () => {
    const cwd = folderWith('provider: anthropic\nproviders:\n  anthropic: {apiKey: a-key}\n');
    expect(loadEnsembleConfig({ cwd, env: { OPENAI_API_KEY: 'o-key' }, provider: 'openai' }).provider).toBe('openai');
  });

  it('gives Ollama its local address when it is chosen without one', () => {
    const config = loadEnsembleConfig({ cwd: folderWith(), env: {}, provider: 'ollama' });
    expect(config.provider).toBe('ollama');
    expect(config.providers.ollama).toEqual({ baseURL: 'http://localhost:11434' });
  });

  it('reports a chosen provider without its key as PROVIDER_NOT_CONFIGURED, saying what to set', () => {
    const requested = failure(() => loadEnsembleConfig({ cwd: folderWith(), env: {}, provider: 'google' }));
    expect(requested.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(requested.message).toBe(
      'provider "google" is not configured: set GOOGLE_GENERATIVE_AI_API_KEY or providers.google.apiKey in ensemble.config.yaml',
    );
    const fromFile = failure(() => loadEnsembleConfig({ cwd: folderWith('provider: anthropic\n'), env: {} }));
    expect(fromFile.message).toMatch(/^ensemble\.config\.yaml: provider: "anthropic" is not configured: set ANTHROPIC_API_KEY/);
    const unknown = failure(() => loadEnsembleConfig({ cwd: folderWith(), env: {}, provider: 'openia' }));
    expect(unknown.code).toBe('INVALID_INPUT');
  });

  it('regression #12: reads the permission ceiling of runs, and names a bad one', () => {
    expect(loadEnsembleConfig({ cwd: folderWith('permissions: full'), env: {} }).permissions).toBe('full');
    expect(loadEnsembleConfig({ cwd: folderWith(), env: {} }).permissions).toBeUndefined();
    const error = failure(() => loadEnsembleConfig({ cwd: folderWith('permissions: write'), env: {} }));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain('ensemble.config.yaml: permissions: expected read, edit or full');
  });

  it('rejects unknown fields and bad values with INVALID_CONFIG naming the file and every field', () => {
    const cwd = folderWith(
      [
        'provider: azure',
        'providers:',
        '  openai: {apiKye: x}',
        '  ollama: {baseURL: "localhost:11434"}',
        'tiers:',
        '  openai: {turbo: gpt-4.1}',
        'costs:',
        '  "gpt-4.1": {inputPerMillion: 2, outputPerMillion: 8}',
        '  "openai:o3": {inputPerMillion: -1, outputPerMillion: 8}',
        'budget: {run: {tokens: 0}}',
        'modle: sonnet',
      ].join('\n'),
    );
    const error = failure(() => loadEnsembleConfig({ cwd, env: {} }));
    expect(error.code).toBe('INVALID_CONFIG');
    const lines = error.message.split('\n');
    expect(lines.every((line) => line.startsWith('ensemble.config.yaml: '))).toBe(true);
    for (const expected of [
      '(root): unknown field "modle"',
      'provider: expected one of anthropic, openai, google, ollama, openai-compatible',
      'providers.openai: unknown field "apiKye"',
      'providers.ollama.baseURL: expected an http(s) URL',
      'tiers.openai: unknown field "turbo"',
      'costs.gpt-4.1: expected "provider:model"',
      'costs.openai:o3.inputPerMillion:',
      'budget.run.tokens:',
    ]) {
      expect(error.message).toContain(expected);
    }
  });

  it('reports invalid YAML and a missing explicit file as INVALID_CONFIG', () => {
    const broken = failure(() => loadEnsembleConfig({ cwd: folderWith('provider: [openai\n'), env: {} }));
    expect(broken.code).toBe('INVALID_CONFIG');
    expect(broken.message).toMatch(/^ensemble\.config\.yaml: invalid YAML: /);
    const missing = failure(() => loadEnsembleConfig({ cwd: folderWith(), env: {}, file: 'custom.yaml' }));
    expect(missing.message).toBe('custom.yaml: file not found');
  });

  it('reads ensemble.config.yml and an explicit file', () => {
    expect(loadEnsembleConfig({ cwd: folderWith('model: opus\n', 'ensemble.config.yml'), env: {} }).model).toBe('opus');
    expect(loadEnsembleConfig({ cwd: folderWith('model: haiku\n', 'other.yaml'), env: {}, file: 'other.yaml' }).model).toBe('haiku');
  });

  it('rejects a malformed base URL in the environment, naming the variable', () => {
    const error = failure(() => loadEnsembleConfig({ cwd: folderWith(), env: { OLLAMA_BASE_URL: 'localhost:11434' } }));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain('environment variable OLLAMA_BASE_URL: expected an http(s) URL');
  });

  it('reads providerPolicy strictly, and layers the library\'s over it field by field, then the defaults', () => {
    const cwd = folderWith('providerPolicy:\n  circuitWaitMs: 2000\n  streamIdleTimeoutMs: 5000\n  taskRetry: {max: 1}\n');
    const config = loadEnsembleConfig({ cwd, env: {} });
    expect(config.providerPolicy).toEqual({ circuitWaitMs: 2000, streamIdleTimeoutMs: 5000, taskRetry: { max: 1, backoffMs: 1000, maxBackoffMs: 60_000 } });
    const policy = resolveProviderPolicy(config.providerPolicy, { streamIdleTimeoutMs: 100 });
    expect(policy).toEqual({
      ...PROVIDER_POLICY_DEFAULTS,
      circuitWaitMs: 2000,
      streamIdleTimeoutMs: 100,
      taskRetry: { max: 1, backoffMs: 1000, maxBackoffMs: 60_000 },
    });
    const error = failure(() => loadEnsembleConfig({ cwd: folderWith('providerPolicy: {circuitWait: 5, streamIdleTimeoutMs: 0}\n'), env: {} }));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toContain('ensemble.config.yaml: providerPolicy: unknown field "circuitWait"');
    expect(error.message).toContain('ensemble.config.yaml: providerPolicy.streamIdleTimeoutMs:');
  });

  it('collects every API key for redaction', () => {
    const config = loadEnsembleConfig({
      cwd: folderWith('providers:\n  google: {apiKey: g-key}\n'),
      env: { ANTHROPIC_API_KEY: 'a-key', OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', OPENAI_API_KEY: 'c-key' },
    });
    expect([...collectSecrets(config)].sort()).toEqual(['a-key', 'c-key', 'g-key']);
  });
});
