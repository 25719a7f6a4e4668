import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitForFile } from './wait-for-file.js';

describe('waitForFile', () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'ensemble-wait-file-'));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('finds a file that exists already or appears later', async () => {
    const path = join(folder, 'exit.json');
    const waiting = waitForFile(path);
    setTimeout(() => writeFileSync(path, '{}'), 20);
    expect(await waiting).toBe('found');
    expect(await waitForFile(path)).toBe('found');
  });

  it('says gone when the writer died without writing it, and timeout at the limit', async () => {
    expect(await waitForFile(join(folder, 'never'), { isWriterAlive: () => false })).toBe('gone');
    expect(await waitForFile(join(folder, 'never'), { timeoutMs: 30 })).toBe('timeout');
  });

  it('rejects with the reason on abort', async () => {
    const controller = new AbortController();
    const waiting = waitForFile(join(folder, 'never'), { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
