import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTempFolder } from '../../../test/helpers/temp-folder.js';
import { readConfiguredModel, topLevelModel } from './read-configured-model.js';

describe("the model in a CLI's configuration (issue 12: Codex reports none)", () => {
  it('reads the top-level model of config.toml, not one of a table', () => {
    expect(topLevelModel('# mine\nmodel = "gpt-5.5" # fast\nmodel_provider = "local"\n[model_providers.local]\nbase_url = "x"\n')).toBe('gpt-5.5');
    expect(topLevelModel("model='o4-mini'")).toBe('o4-mini');
    expect(topLevelModel('[profiles.fast]\nmodel = "gpt-5.5"\n')).toBeUndefined();
    expect(topLevelModel('model_provider = "local"\n')).toBeUndefined();
  });

  it('finds the file under CODEX_HOME, else ~/.codex, and only for Codex', async () => {
    const { folder, remove } = createTempFolder('ensemble-codex-config-');
    try {
      mkdirSync(join(folder, '.codex'));
      writeFileSync(join(folder, '.codex', 'config.toml'), 'model = "gpt-5.5"\n');
      expect(await readConfiguredModel('codex-jsonl', { HOME: folder })).toBe('gpt-5.5');
      expect(await readConfiguredModel('codex-jsonl', { HOME: folder, CODEX_HOME: join(folder, 'missing') })).toBeUndefined();
      expect(await readConfiguredModel('gemini-json', { HOME: folder })).toBeUndefined();
    } finally {
      remove();
    }
  });
});
