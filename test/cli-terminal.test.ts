import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, cliPath, makeTempDir, runCli } from './helpers/cli.js';
import { VirtualTerminal } from './helpers/virtual-terminal.js';

/** util-linux `script` gives the CLI a real pseudo-terminal of a chosen size. */
function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

// Issue 6: the live view garbled when a row was wider than the terminal (80 columns with `backend-security-coder`).
describe.skipIf(!hasScript())('the live view on a real pseudo-terminal', () => {
  for (const columns of [40, 80]) {
    it(`redraws cleanly at ${columns} columns: one frame on screen, none left in the scrollback`, async () => {
      const folder = makeTempDir('ensemble-tty-');
      const agentsDir = join(folder, 'agents');
      mkdirSync(agentsDir);
      const writeAgent = (name: string, script: string): void => {
        const command = JSON.stringify(['sh', '-c', script]);
        writeFileSync(join(agentsDir, `${name}.md`), `---\nname: ${name}\ndescription: Test agent\nruntime: command\ncommand: ${command}\n---\nTest.\n`);
      };
      writeAgent('payments-backend-security-coder', 'sleep 0.8; echo "scan of a very long lockfile with many dependencies 中文 ✅"');
      // Fails while the others still run: its row carries the error message, wider than the terminal.
      writeAgent('payments-session-checker', 'echo "token validation failed: the session secret is shorter than 32 bytes in config/session.yaml" >&2; exit 1');
      const tasks = [
        { id: 'scan-dependencies-for-known-vulnerabilities', agentName: 'payments-backend-security-coder' },
        { id: 'review-authentication-and-session-handling', agentName: 'payments-session-checker' },
        { id: 'check-secrets-in-the-repository-history', agentName: 'payments-backend-security-coder' },
        { id: 'final-report', agentName: 'payments-backend-security-coder', dependencies: ['scan-dependencies-for-known-vulnerabilities', 'check-secrets-in-the-repository-history'] },
      ];
      writeFileSync(join(folder, 'audit.json'), JSON.stringify({ name: 'Security audit of the payments service', tasks }));
      const inner = `stty cols ${columns} rows 24; exec ${[process.execPath, cliPath, 'run', 'audit.json', '--db', 'j.db', '--agents-dir', agentsDir].map(shellQuote).join(' ')}`;
      const env = cliEnv();
      delete env.NO_COLOR;
      delete env.CI;
      // Exit code 1: one task fails (script -e passes the CLI's code on).
      let raw = '';
      try {
        execFileSync('script', ['-q', '-e', '-c', inner, '/dev/null'], { cwd: folder, env, encoding: 'utf8', timeout: 60_000 });
      } catch (error) {
        const failure = error as { status?: number; stdout?: string };
        expect(failure.status).toBe(1);
        raw = failure.stdout ?? '';
      }
      const terminal = new VirtualTerminal(columns, 24);
      terminal.write(raw);
      const screen = terminal.lines();
      // The final frame, then the summary; every redraw before it was erased in place.
      expect(terminal.scrollback.filter((line) => line.startsWith('ensemble ·'))).toEqual([]);
      expect(screen.filter((line) => line.startsWith('ensemble ·'))).toHaveLength(1);
      expect(screen.filter((line) => line.startsWith('  ✔'))).toHaveLength(3);
      expect(screen.filter((line) => line.startsWith('  ✖'))).toHaveLength(1);
      expect(screen.some((line) => line.includes('3/4 done'))).toBe(true);
      expect(screen.some((line) => /failed\s+3\/4 tasks succeeded, 1 failed/.test(line))).toBe(true);
      const shown = await runCli(['runs', '--json', '--db', join(folder, 'j.db')], { cwd: folder });
      expect((JSON.parse(shown.stdout) as { runs: { status: string }[] }).runs[0]!.status).toBe('failed');
    });
  }

  it('shows a resumed run whole: the tasks done before the resume come from the journal', async () => {
    const folder = makeTempDir('ensemble-tty-');
    const agentsDir = join(folder, 'agents');
    mkdirSync(agentsDir);
    // Fails the first time it runs, then succeeds (the marker file remembers).
    const flaky = JSON.stringify(['sh', '-c', 'if [ -e ran-once ]; then echo fixed; else touch ran-once; exit 1; fi']);
    writeFileSync(join(agentsDir, 'flaky.md'), `---\nname: flaky\ndescription: Fails once\nruntime: command\ncommand: ${flaky}\n---\nTest.\n`);
    writeFileSync(join(agentsDir, 'steady.md'), `---\nname: steady\ndescription: Succeeds\nruntime: command\ncommand: ["echo", "steady"]\n---\nTest.\n`);
    const tasks = [
      { id: 'prepare', agentName: 'steady' },
      { id: 'build', agentName: 'flaky', dependencies: ['prepare'] },
    ];
    writeFileSync(join(folder, 'two.json'), JSON.stringify({ name: 'Two steps', tasks }));
    const db = join(folder, 'j.db');
    const first = await runCli(['run', 'two.json', '--json', '--db', db, '--agents-dir', agentsDir], { cwd: folder });
    expect(first.code).toBe(1);
    const runId = String((JSON.parse(first.stdout.split('\n')[0]!) as { runId: string }).runId);
    const inner = `stty cols 80 rows 24; exec ${[process.execPath, cliPath, 'resume', runId, '--db', db, '--agents-dir', agentsDir].map(shellQuote).join(' ')}`;
    const env = cliEnv();
    delete env.NO_COLOR;
    delete env.CI;
    const raw = execFileSync('script', ['-q', '-e', '-c', inner, '/dev/null'], { cwd: folder, env, encoding: 'utf8', timeout: 60_000 });
    const terminal = new VirtualTerminal(80, 24);
    terminal.write(raw);
    const screen = terminal.lines();
    expect(screen.find((line) => line.startsWith('ensemble ·'))).toBe(`ensemble · Two steps · ${runId} (resumed)`);
    expect(screen.some((line) => /^ {2}✔ prepare\s+steady\s+succeeded/.test(line))).toBe(true);
    expect(screen.some((line) => /^ {2}✔ build\s+flaky\s+succeeded.*\(attempt 2\)/.test(line))).toBe(true);
    expect(screen.some((line) => line.includes('2/2 done'))).toBe(true);
  });
});
