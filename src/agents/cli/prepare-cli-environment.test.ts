import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempFolder, type TempFolder } from '../../../test/helpers/temp-folder.js';
import { prepareCliEnvironment } from './prepare-cli-environment.js';

const folders: TempFolder[] = [];
afterEach(() => folders.splice(0).forEach((folder) => folder.remove()));

function setUp(userSettings?: string): { home: string; scratch: string } {
  const folder = createTempFolder('ensemble-gemini-env-');
  folders.push(folder);
  const home = join(folder.folder, 'home');
  const scratch = join(folder.folder, 'scratch');
  mkdirSync(scratch);
  mkdirSync(join(home, '.gemini'), { recursive: true });
  writeFileSync(join(home, '.gemini', 'oauth_creds.json'), '{}');
  if (userSettings !== undefined) writeFileSync(join(home, '.gemini', 'settings.json'), userSettings);
  return { home, scratch };
}

const gatewayEnv = (home: string) => ({ HOME: home, GEMINI_API_KEY: 'key', GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:1' });

describe('prepareCliEnvironment (issue 12: Gemini CLI with a base URL exits 41 unless an auth type is selected)', () => {
  it("gives Gemini a home whose settings select the API key over the user's own, their other files linked", async () => {
    const { home, scratch } = setUp(JSON.stringify({ general: { maxAttempts: 1 }, security: { folderTrust: { enabled: true } } }));
    const added = await prepareCliEnvironment('gemini-json', gatewayEnv(home), scratch);
    expect(added).toEqual({ GEMINI_CLI_HOME: join(scratch, 'gemini-home') });
    const settings = JSON.parse(readFileSync(join(scratch, 'gemini-home', '.gemini', 'settings.json'), 'utf8')) as unknown;
    expect(settings).toEqual({ general: { maxAttempts: 1 }, security: { folderTrust: { enabled: true }, auth: { selectedType: 'gemini-api-key' } } });
    expect(readlinkSync(join(scratch, 'gemini-home', '.gemini', 'oauth_creds.json'))).toBe(join(home, '.gemini', 'oauth_creds.json'));
    // No settings file at all is the common case.
    const bare = setUp();
    expect(await prepareCliEnvironment('gemini-json', gatewayEnv(bare.home), bare.scratch)).toEqual({ GEMINI_CLI_HOME: join(bare.scratch, 'gemini-home') });
  });

  it("leaves the user's choice, unreadable settings, other CLIs and runs without a base URL or key alone", async () => {
    const chosen = setUp(JSON.stringify({ security: { auth: { selectedType: 'oauth-personal' } } }));
    expect(await prepareCliEnvironment('gemini-json', gatewayEnv(chosen.home), chosen.scratch)).toEqual({});
    const commented = setUp('{ // my settings\n}');
    expect(await prepareCliEnvironment('gemini-json', gatewayEnv(commented.home), commented.scratch)).toEqual({});
    const { home, scratch } = setUp();
    expect(await prepareCliEnvironment('claude-json', gatewayEnv(home), scratch)).toEqual({});
    expect(await prepareCliEnvironment('gemini-json', { HOME: home, GEMINI_API_KEY: 'key' }, scratch)).toEqual({});
    expect(await prepareCliEnvironment('gemini-json', { HOME: home, GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:1' }, scratch)).toEqual({});
  });
});
