import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAgentEnvironment } from '../../agents/index.js';
import { EnsembleError } from '../../core/index.js';
import { isProcessGone, waitFor } from '../../../test/helpers/process-agents.js';
import { isPassing, runVerifyCommand } from './run-verify-command.js';

const folder = mkdtempSync(join(tmpdir(), 'ensemble-verify-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));


describe('runVerifyCommand', () => {
  it('reports the exit code and the last lines of stdout and stderr, in the environment it is given plus CI', async () => {
    process.env['ENSEMBLE_TEST_API_KEY'] = 'secret';
    try {
      const program = "for (let i = 1; i <= 30; i++) console.log('line ' + i); console.error('\\u001b[31mboom\\u001b[0m', process.env.ENSEMBLE_TEST_API_KEY ?? 'no key', process.env.CI); process.exit(3);";
      const run = await runVerifyCommand(['node', '-e', program], { cwd: folder, env: buildAgentEnvironment(process.env, undefined, {}), timeoutMs: 20_000, signal: new AbortController().signal });
      expect(run).toMatchObject({ exitCode: 3, timedOut: false });
      expect(isPassing(run)).toBe(false);
      expect(run.lastLines).toHaveLength(20);
      expect(run.lastLines.at(-1)).toBe('boom no key true');
      expect(run.lastLines[0]).toBe('line 12');
    } finally {
      delete process.env['ENSEMBLE_TEST_API_KEY'];
    }
  });

  it('kills the whole process group when the time is up, and reports a program that cannot start', async () => {
    const pidFile = join(folder, 'grandchild.pid');
    const program = `const child = require('child_process').spawn('sleep', ['30'], { stdio: 'ignore' }); require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid)); setTimeout(() => {}, 30000);`;
    const run = await runVerifyCommand(['node', '-e', program], { cwd: folder, env: buildAgentEnvironment(process.env, undefined, {}), timeoutMs: 1000, signal: new AbortController().signal });
    expect(run).toMatchObject({ exitCode: null, timedOut: true });
    expect(isPassing(run)).toBe(false);
    // SIGKILL is sent to the group; the grandchild may take a moment to be gone (or left a zombie for an init that does not reap).
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitFor(() => (isProcessGone(grandchild) ? true : undefined), 5000)).toBe(true);
    const missing = await runVerifyCommand(['no-such-program-ensemble'], { cwd: folder, env: buildAgentEnvironment(process.env, undefined, {}), timeoutMs: 1000, signal: new AbortController().signal });
    expect(missing).toMatchObject({ exitCode: null, timedOut: false, startError: expect.stringContaining('ENOENT') });
  });

  it('rejects with the abort reason once the command is killed', async () => {
    const controller = new AbortController();
    const events: string[] = [];
    const running = runVerifyCommand(['node', '-e', 'setTimeout(() => {}, 30000)'], {
      cwd: folder,
      env: buildAgentEnvironment(process.env, undefined, {}),
      timeoutMs: 60_000,
      signal: controller.signal,
      onProcess: (state) => {
        events.push(state);
        if (state === 'started') setTimeout(() => controller.abort(new EnsembleError('RUN_CANCELLED', 'stop')), 200);
      },
    });
    await expect(running).rejects.toMatchObject({ code: 'RUN_CANCELLED' });
    expect(events).toEqual(['started', 'exited']);
  });
});
