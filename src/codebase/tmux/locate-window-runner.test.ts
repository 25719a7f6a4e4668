import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { locateWindowRunner } from './locate-window-runner.js';

describe('locateWindowRunner', () => {
  it('takes the runner beside the built module, and the package dist/ from the sources', () => {
    const root = mkdtempSync(join(tmpdir(), 'ensemble-locate-runner-'));
    try {
      const built = join(root, 'dist', 'src', 'codebase', 'tmux');
      mkdirSync(built, { recursive: true });
      writeFileSync(join(built, 'tmux-window-runner.js'), '');
      expect(locateWindowRunner(pathToFileURL(join(built, 'tmux-team.js')).href)).toBe(join(built, 'tmux-window-runner.js'));
      expect(locateWindowRunner(pathToFileURL(join(root, 'src', 'codebase', 'tmux', 'tmux-team.ts')).href)).toBe(join(built, 'tmux-window-runner.js'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
