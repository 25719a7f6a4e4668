import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir, parseWorkerLog, runCli, startCli, writeWorkerAgent } from './helpers/cli.js';

interface ClosedPipeResult {
  readonly code: number | null;
  readonly stderr: string;
}

/**
 * Runs the CLI with stdout piped to a reader that goes away: at once (`closeAfterBytes` 0), or
 * once it has read that many bytes, as `| head -c N` does. Every later write of the CLI fails with EPIPE.
 */
function runWithClosedStdout(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; closeAfterBytes?: number }): Promise<ClosedPipeResult> {
  return new Promise((resolve, reject) => {
    const child = startCli(args, options);
    let stderr = '';
    let read = 0;
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closeAfterBytes = options.closeAfterBytes ?? 0;
    if (closeAfterBytes === 0) child.stdout!.destroy();
    else
      child.stdout!.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= closeAfterBytes) child.stdout!.destroy();
      });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ensemble ${args.join(' ')} did not end\nstderr:\n${stderr}`));
    }, 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

function fixture() {
  const folder = makeTempDir('ensemble-pipes-');
  const { agentsDir } = writeWorkerAgent(folder);
  const log = join(folder, 'worker.log');
  const db = join(folder, 'journal.db');
  const workflow = join(folder, 'workflow.json');
  return { folder, agentsDir, log, db, workflow };
}

const runStatus = async (folder: string, db: string): Promise<string> => {
  const listed = await runCli(['runs', '--json', '--db', db], { cwd: folder });
  return (JSON.parse(listed.stdout) as { runs: { status: string }[] }).runs[0]!.status;
};

describe('a closed stdout (issue 6: `| head` printed an EPIPE stack trace and left the run interrupted)', () => {
  for (const mode of ['--json', 'lines'] as const) {
    it(`lets a run go on silently to its real end (${mode}): agents finish, the journal records it, the exit code follows the run`, async () => {
      const f = fixture();
      writeFileSync(
        f.workflow,
        JSON.stringify({
          name: 'piped',
          tasks: [
            { id: 'first', agentName: 'worker', prompt: 'sleep=200' },
            { id: 'second', agentName: 'worker', prompt: 'sleep=200', dependencies: ['first'] },
            { id: 'breaks', agentName: 'worker', prompt: 'fail-until=9' },
          ],
        }),
      );
      const args = ['run', f.workflow, '--db', f.db, '--agents-dir', f.agentsDir, ...(mode === '--json' ? ['--json'] : [])];
      const result = await runWithClosedStdout(args, { cwd: f.folder, env: { WORKER_LOG: f.log } });
      expect(result.stderr).not.toMatch(/EPIPE|Error|at /);
      expect(result.code).toBe(1);
      expect(await runStatus(f.folder, f.db)).toBe('failed');
      const entries = parseWorkerLog(readFileSync(f.log, 'utf8'));
      expect(entries.filter((entry) => entry.kind === 'end').map((entry) => entry.task)).toEqual(['first', 'second']);
    });
  }

  it('ends a run cut off by `head` after its first lines quietly, with exit code 0 when the run succeeded', async () => {
    const folder = makeTempDir('ensemble-pipes-');
    const db = join(folder, 'journal.db');
    const result = await runWithClosedStdout(['run', 'feature', '--param', 'feature=login', '--db', db], { cwd: folder, closeAfterBytes: 100 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(await runStatus(folder, db)).toBe('succeeded');
  });

  it('ends `runs show --output` and `agents list --json` quietly with exit code 0', async () => {
    const f = fixture();
    writeFileSync(f.workflow, JSON.stringify({ name: 'big', tasks: [{ id: 'big', agentName: 'worker', prompt: 'sleep=0' }] }));
    const ran = await runCli(['run', f.workflow, '--json', '--db', f.db, '--agents-dir', f.agentsDir], { cwd: f.folder, env: { WORKER_LOG: f.log } });
    expect(ran.code).toBe(0);
    const runId = String((JSON.parse(ran.stdout.split('\n')[0]!) as { runId: string }).runId);
    for (const args of [
      ['runs', 'show', runId, '--output', '--db', f.db],
      ['runs', '--db', f.db],
      ['agents', 'list', '--json'],
      ['agents', 'list'],
      ['workflows', 'show', 'feature'],
      ['--help'],
    ]) {
      const result = await runWithClosedStdout(args, { cwd: f.folder });
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.code, args.join(' ')).toBe(0);
    }
    expect(existsSync(f.log)).toBe(true);
  });

  it('ends consult, meeting, route and meetings types quietly with exit code 0, the runs journaled to their end (issue 8)', async () => {
    const f = fixture();
    const env = { ENSEMBLE_SIMULATED_LATENCY_MS: '0' };
    for (const args of [
      ['consult', 'Postgres or SQLite for the queue?', '--agents', 'backend-architect,security-auditor', '--db', f.db],
      ['meeting', 'standup', '--title', 'Tuesday', '--topic', 'Release', '--db', f.db],
      ['route', 'testing', 'add tests for the parser', '--db', f.db],
      ['meetings', 'types'],
    ]) {
      const result = await runWithClosedStdout(args, { cwd: f.folder, env });
      expect(result.stderr, args.join(' ')).not.toMatch(/EPIPE|Error|at /);
      expect(result.code, args.join(' ')).toBe(0);
    }
    const listed = JSON.parse((await runCli(['runs', '--json', '--db', f.db], { cwd: f.folder })).stdout) as { runs: { status: string }[] };
    expect(listed.runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });
});
