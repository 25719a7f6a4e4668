import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveVerifyCommand } from './resolve-verify-command.js';

let folder: string;
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'ensemble-verify-command-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

describe('resolveVerifyCommand', () => {
  it('takes the setting first, parsed without a shell', async () => {
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ scripts: { test: 'vitest run' } }));
    expect(await resolveVerifyCommand('pytest -k "a b"', folder)).toEqual({ argv: ['pytest', '-k', 'a b'], text: 'pytest -k "a b"', source: 'parameter' });
  });

  it("falls back to npm test when package.json has a real test script, else to none", async () => {
    expect(await resolveVerifyCommand(undefined, folder)).toBeUndefined();
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }));
    expect(await resolveVerifyCommand(undefined, folder)).toBeUndefined();
    writeFileSync(join(folder, 'package.json'), '{ not json');
    expect(await resolveVerifyCommand(undefined, folder)).toBeUndefined();
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ scripts: { test: 'node --test' } }));
    expect(await resolveVerifyCommand(undefined, folder)).toEqual({ argv: ['npm', 'test'], text: 'npm test', source: 'package.json' });
  });
});
