import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CliOutputFormat } from '../schema.js';

/**
 * What a coding CLI needs beyond its environment to run headless, prepared in the attempt's scratch
 * folder; returns the variables to add. Today one case, Gemini CLI given a base URL
 * (`GOOGLE_GEMINI_BASE_URL`) and an API key: it then picks its `gateway` auth type, which it refuses
 * headless (exit 41 "Invalid auth method selected"), and 0.61 has no flag or variable to pick the
 * key instead — only `security.auth.selectedType` in a settings file. (System settings files are
 * refused in a world-writable folder such as /tmp, so those cannot be used.)
 */
export async function prepareCliEnvironment(format: CliOutputFormat, env: Readonly<Record<string, string>>, scratchDir: string): Promise<Record<string, string>> {
  if (format !== 'gemini-json') return {};
  const hasKey = (env.GEMINI_API_KEY ?? env.GOOGLE_API_KEY ?? '') !== '';
  if ((env.GOOGLE_GEMINI_BASE_URL ?? '') === '' || !hasKey) return {};
  return selectGeminiApiKey(env, scratchDir);
}

/**
 * A stand-in Gemini home for one attempt: its `.gemini` links every entry of the user's own (so
 * credentials, memory, extensions and history stay theirs) except `settings.json`, which is the
 * user's settings with `security.auth.selectedType: gemini-api-key` added. Nothing changes when the
 * user already selected an auth type, or when their settings cannot be read as plain JSON (then
 * Gemini's own error says what to set).
 */
async function selectGeminiApiKey(env: Readonly<Record<string, string>>, scratchDir: string): Promise<Record<string, string>> {
  const userGeminiDir = join(env.GEMINI_CLI_HOME ?? env.HOME ?? homedir(), '.gemini');
  const settings = await readSettings(join(userGeminiDir, 'settings.json'));
  if (settings === undefined || selectedAuthType(settings) !== undefined) return {};
  const home = join(scratchDir, 'gemini-home');
  const geminiDir = join(home, '.gemini');
  await mkdir(geminiDir, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(userGeminiDir).catch(() => [])) {
    if (entry !== 'settings.json') await symlink(join(userGeminiDir, entry), join(geminiDir, entry));
  }
  const security = isRecord(settings.security) ? settings.security : {};
  const auth = isRecord(security.auth) ? security.auth : {};
  const merged = { ...settings, security: { ...security, auth: { ...auth, selectedType: 'gemini-api-key' } } };
  await writeFile(join(geminiDir, 'settings.json'), JSON.stringify(merged, null, 2), { mode: 0o600 });
  return { GEMINI_CLI_HOME: home };
}

/** The user's settings: `{}` when there is no file, undefined when it is not plain JSON (comments, a typo). */
async function readSettings(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const value = JSON.parse(text) as unknown;
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function selectedAuthType(settings: Record<string, unknown>): unknown {
  const security = settings.security;
  return isRecord(security) && isRecord(security.auth) ? security.auth.selectedType : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
