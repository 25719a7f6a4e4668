import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isEnsembleError } from '../core/index.js';
import { loadEnsembleConfig } from './load-ensemble-config.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folderWith(config: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'ensemble-config-resources-'));
  folders.push(folder);
  writeFileSync(join(folder, 'ensemble.config.yaml'), config);
  return folder;
}

describe('loadEnsembleConfig: resources', () => {
  it("reads the file's `resources:` as a run config's", () => {
    const cwd = folderWith('resources:\n  pressureControl: false\n  cpuTarget: 45\n  memoryFloorMb: 2048\n  agentMemoryMb: 512\n');
    expect(loadEnsembleConfig({ cwd, env: {} }).resources).toEqual({ pressureControl: false, cpuTarget: 45, memoryFloorMb: 2048, agentMemoryMb: 512 });
  });

  it('leaves it out when the file has none', () => {
    expect(loadEnsembleConfig({ cwd: folderWith('model: sonnet\n'), env: {} }).resources).toBeUndefined();
  });

  it('refuses a bad or unknown field with INVALID_CONFIG naming it', () => {
    const cwd = folderWith('resources:\n  cpuTarget: 250\n  cpuTargt: 50\n');
    let thrown: unknown;
    try {
      loadEnsembleConfig({ cwd, env: {} });
    } catch (error) {
      thrown = error;
    }
    expect(isEnsembleError(thrown) && thrown.code).toBe('INVALID_CONFIG');
    expect((thrown as Error).message).toMatch(/resources\.cpuTarget: must be at most 100/);
    expect((thrown as Error).message).toMatch(/cpuTargt/);
  });
});
