import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { displayWidth } from '../src/cli/terminal/index.js';
import { ReviewQueue } from '../src/codebase/review/index.js';
import { openRunStore, type RunStore } from '../src/store/index.js';
import { cliEnv, cliPath, runCli, startCli } from './helpers/cli.js';
import { commitFiles, gitIn, makeTicketRepository } from './helpers/git-ticket-repo.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { seedTicketRun } from './helpers/tickets-cli-runs.js';
import { VirtualTerminal } from './helpers/virtual-terminal.js';

/** Each test starts the CLI several times (a second or more each on a loaded machine). */
const SLOW_MS = 240_000;

let temp: TempFolder;
let db: string;

afterEach(() => temp.remove());

function setUp(): void {
  temp = createTempFolder('ensemble-cli-tickets-');
  db = join(temp.folder, 'journal.db');
}

/** Runs `ensemble <args> --db <db>` in the temp folder. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return runCli([...args, '--db', db], { cwd: temp.folder, env });
}

/** Opens the test's journal for seeding, and closes it before the CLI reads it. */
function withJournal<T>(body: (store: RunStore) => T): T {
  const store = openRunStore(db);
  try {
    return body(store);
  } finally {
    store.close();
  }
}

/** Runs a shell pipeline (`ensemble … | head -1`) and reports the CLI's own exit code (bash PIPESTATUS). */
function runPipeline(cliArgs: readonly string[], reader: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const quoted = [process.execPath, cliPath, ...cliArgs].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${quoted} | ${reader}; exit \${PIPESTATUS[0]}`], { cwd: temp.folder, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pipeline did not end\nstderr:\n${stderr}`));
    }, 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

describe('ensemble tickets add|list|show (real CLI, real SQLite)', () => {
  it('queues tickets, printing their ids, and refuses bad flags with exit 2 naming the flag', async () => {
    setUp();
    const first = await cli(['tickets', 'add', 'Add login', '--priority', '8', '--files', 'src/auth/**,src/{a,b}.ts', '--labels', 'auth, web', '--verify', 'npm test -- --run', '--agent', 'developer']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('T-1\n');
    const second = await cli(['tickets', 'add', 'Add logout', '--depends', 'T-1', '--description', 'after login', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ id: 'T-2', title: 'Add logout', description: 'after login', priority: 5, dependencies: ['T-1'], status: 'queued' });

    const refused = [
      [['--priority', '11'], /--priority: must be 1-10, got "11"/],
      [['--priority', 'high'], /--priority: must be 1-10/],
      [['--depends', 'T-9'], /--depends: unknown ticket "T-9"/],
      [['--depends', 'login'], /--depends: "login" is not a ticket id/],
      [['--verify', 'npm test && rm -rf dist'], /--verify: "&&" is shell syntax/],
      [['--files', '../outside/**'], /--files: "..\/outside\/\*\*" must be relative to the repository/],
      [['--agent', 'developr'], /--agent: unknown agent "developr" \(did you mean "developer"\?/],
    ] as const;
    for (const [flags, message] of refused) {
      const result = await cli(['tickets', 'add', 'Bad', ...flags]);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }

    const shown = await cli(['tickets', 'show', 'T-1']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('T-1 · Add login');
    expect(shown.stdout).toMatch(/status +queued · priority 8 · 0 attempts/);
    expect(shown.stdout).toMatch(/files +src\/auth\/\*\*, src\/\{a,b\}\.ts/);
    expect(shown.stdout).toMatch(/labels +auth, web/);
    expect(shown.stdout).toMatch(/verify +npm test -- --run/);
    expect(shown.stdout).toMatch(/agent +developer/);
    expect(shown.stdout).toContain('not worked yet');
    const unknown = await cli(['tickets', 'show', 'T-7']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/error \[NOT_FOUND\]: unknown ticket "T-7"/);
  }, SLOW_MS);

  it('lists tickets by priority in a table that fits the terminal width, and filters by status', async () => {
    setUp();
    withJournal((store) => {
      store.codebase.addTicket({ title: 'Low priority chore with a long title that goes on and on past any narrow terminal', priority: 2 }, 1);
      store.codebase.addTicket({ title: 'Urgent fix', priority: 9 }, 2);
      const started = store.codebase.addTicket({ title: 'Under way' }, 3);
      store.codebase.updateTicket(started.id, { status: 'in-progress', assignee: 'developer-1' }, 4);
    });
    const listed = await cli(['tickets', 'list'], { COLUMNS: '50' });
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +PRI +STATUS +ASSIGNEE +TITLE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['T-2', 'T-3', 'T-1']);
    expect(lines[2]).toMatch(/T-3 +5 +in-progress +developer-1 +Under way/);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(49);
    expect(lines[3]).toMatch(/…$/);

    const queued = await cli(['tickets', 'list', '--status', 'in-progress', '--json']);
    expect((JSON.parse(queued.stdout) as { tickets: { id: string }[] }).tickets.map((ticket) => ticket.id)).toEqual(['T-3']);
    const bad = await cli(['tickets', 'list', '--status', 'running']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--status: expected one of queued, in-progress/);
  }, SLOW_MS);

  it('`tickets list | head -1` prints the header and exits cleanly', async () => {
    setUp();
    withJournal((store) => {
      for (let index = 0; index < 1500; index++) store.codebase.addTicket({ title: `Ticket number ${index} ${'x'.repeat(40)}` }, index);
    });
    const result = await runPipeline(['tickets', 'list', '--db', db], 'head -1');
    expect(result.stdout).toMatch(/^ID +PRI +STATUS +ASSIGNEE +TITLE\n$/);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, SLOW_MS);
});

describe('ensemble escalations (real CLI, journaled escalation:open events)', () => {
  it('lists open escalations with their numbered options, answers one by option or by words, and refuses unknown or closed ones', async () => {
    setUp();
    const now = Date.now();
    const { liveId, downId } = withJournal((store) => {
      const login = store.codebase.addTicket({ title: 'Add login' }, now);
      const reset = store.codebase.addTicket({ title: 'Password reset' }, now);
      const liveTask = { taskId: 'login', ticketId: login.id, member: 'developer-1', startedAt: now - 60_000 };
      const downTask = { taskId: 'reset', ticketId: reset.id, member: 'developer-2', startedAt: now - 60_000 };
      const live = seedTicketRun(store, 'run-live', [liveTask], 'alive', now - 120_000);
      const down = seedTicketRun(store, 'run-down', [downTask], 'dead', now - 120_000);
      const ids = {
        liveId: live.escalate(liveTask, now - 30_000, { reason: 'Which session store?', options: ['cookies', 'a server-side store in SQLite'], priority: 7, deadlineAt: now + 25 * 60_000 }),
        downId: down.escalate(downTask, now - 20_000, { reason: 'Email or SMS?', options: [] }),
      };
      store.codebase.updateTicket(login.id, { status: 'waiting', runId: 'run-live', assignee: 'developer-1' }, now);
      store.codebase.updateTicket(reset.id, { status: 'waiting', runId: 'run-down', assignee: 'developer-2' }, now);
      return ids;
    });

    const listed = await cli(['escalations']);
    expect(listed.code).toBe(0);
    const blocks = listed.stdout.split('\n\n');
    // Most urgent first: priority 7 before 5.
    expect(blocks[0]).toMatch(new RegExp(`^${liveId} +priority 7 · \\d+s ago · T-1 · developer \\(developer-1\\) · architecture · deadline in 2[45]m, then fails\\n`));
    expect(blocks[0]).toContain('  Which session store?\n  1. cookies\n  2. a server-side store in SQLite');
    expect(blocks[1]).toMatch(new RegExp(`^${downId} +priority 5 · \\d+s ago · T-2`));
    expect(listed.stdout).toContain('answer: ensemble escalations answer <id> <guidance…>');

    const byOption = await cli(['escalations', 'answer', liveId, '--option', '2'], { USER: 'ana' });
    expect(byOption.stderr).toBe('');
    expect(byOption.code).toBe(0);
    expect(byOption.stdout).toBe(`answered ${liveId}; run run-live picks it up\n`);

    const byWords = await cli(['escalations', 'answer', downId, 'Email', 'first,', 'SMS', 'later']);
    expect(byWords.code).toBe(0);
    expect(byWords.stdout).toBe(`answered ${downId}; run run-down picks it up\nrun run-down is interrupted: \`ensemble resume run-down\` delivers it\n`);

    withJournal((store) => {
      expect(store.codebase.getEscalation(liveId)).toMatchObject({ status: 'answered', answer: 'a server-side store in SQLite', answeredBy: 'ana', delivered: false });
      expect(store.codebase.getEscalation(downId)).toMatchObject({ status: 'answered', answer: 'Email first, SMS later' });
    });

    const again = await cli(['escalations', 'answer', liveId, 'something', 'else']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/error \[ESCALATION_CLOSED\]: escalation ".*" is answered, not open/);
    const unknown = await cli(['escalations', 'answer', 'E-nope', 'go']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/error \[NOT_FOUND\]: unknown escalation "E-nope"/);

    expect((await cli(['escalations'])).stdout).toBe('no open escalations\n');
    const all = await cli(['escalations', '--all', '--json']);
    const records = (JSON.parse(all.stdout) as { escalations: { id: string; status: string }[] }).escalations;
    expect(records.map((record) => [record.id, record.status])).toEqual([
      [liveId, 'answered'],
      [downId, 'answered'],
    ]);

    const shown = await cli(['tickets', 'show', 'T-1']);
    expect(shown.stdout).toContain('events (run run-live)');
    expect(shown.stdout).toMatch(/ticket:assigned +developer-1 \(developer\), attempt 1: dependencies done/);
    expect(shown.stdout).toMatch(new RegExp(`escalation:open +${liveId} \\[architecture\\] Which session store\\?`));
  }, SLOW_MS);

  it('refuses an option an escalation did not propose, and guidance together with --option', async () => {
    setUp();
    const now = Date.now();
    const id = withJournal((store) => {
      const ticket = store.codebase.addTicket({ title: 'x' }, now);
      const task = { taskId: 'x', ticketId: ticket.id, member: 'dev', startedAt: now };
      return seedTicketRun(store, 'run-x', [task], 'alive', now).escalate(task, now, { reason: 'which?', options: ['a'] });
    });
    const outOfRange = await cli(['escalations', 'answer', id, '--option', '3']);
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr).toMatch(/--option: expected an integer from 1 to 1/);
    const both = await cli(['escalations', 'answer', id, 'do', 'a', '--option', '1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either guidance words or --option <n>, not both/);
    const nothing = await cli(['escalations', 'answer', id]);
    expect(nothing.code).toBe(2);
  }, SLOW_MS);
});

describe('ensemble locks and tickets watch (real CLI)', () => {
  it('lists unexpired leases with their owner and time left', async () => {
    setUp();
    const now = Date.now();
    withJournal((store) => {
      expect(store.codebase.acquireLeases({ owner: 'T-1/developer-1', runId: 'r', taskId: 't', ticketId: 'T-1', member: 'developer-1', patterns: ['src/auth/**', 'README.md'], ttlMs: 30 * 60_000 }, now).ok).toBe(true);
      expect(store.codebase.acquireLeases({ owner: 'T-2/old', runId: 'r', taskId: 'u', patterns: ['docs/**'], ttlMs: 1 }, now - 10_000).ok).toBe(true);
    });
    const listed = await cli(['locks']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^OWNER +TICKET +MEMBER +EXPIRES IN +PATTERN$/);
    expect(lines.slice(1).sort()).toEqual([expect.stringMatching(/^T-1\/developer-1 +T-1 +developer-1 +(29|30)m +README\.md$/), expect.stringMatching(/^T-1\/developer-1 +T-1 +developer-1 +(29|30)m +src\/auth\/\*\*$/)]);
    const json = JSON.parse((await cli(['locks', '--json'])).stdout) as { leases: { pattern: string; expiresInMs: number }[] };
    expect(json.leases.map((lease) => lease.pattern).sort()).toEqual(['README.md', 'src/auth/**']);
    expect(json.leases.every((lease) => lease.expiresInMs > 29 * 60_000)).toBe(true);
  }, SLOW_MS);

  it('`tickets watch --once` prints one board that fits the width, ASCII when the locale is not UTF-8, with no cursor codes', async () => {
    setUp();
    const now = Date.now();
    withJournal((store) => {
      const login = store.codebase.addTicket({ title: 'Add login' }, now);
      const reset = store.codebase.addTicket({ title: 'Reset' }, now);
      store.codebase.addTicket({ title: 'Later' }, now);
      const tasks = [
        { taskId: 'login', ticketId: login.id, member: 'developer-1', startedAt: now - 3 * 60_000 },
        { taskId: 'reset', ticketId: reset.id, member: 'developer-2', startedAt: now - 60_000 },
      ];
      seedTicketRun(store, 'run-board', tasks, 'alive', now - 5 * 60_000).escalate(tasks[1]!, now - 30_000, { reason: 'which?', options: [] });
      store.codebase.updateTicket(login.id, { status: 'in-progress', runId: 'run-board', startedAt: now - 3 * 60_000 }, now);
      store.codebase.updateTicket(reset.id, { status: 'waiting', runId: 'run-board', startedAt: now - 60_000 }, now);
    });
    const unicode = await cli(['tickets', 'watch', '--once'], { COLUMNS: '60', LANG: 'en_US.UTF-8', LC_ALL: '' });
    expect(unicode.code).toBe(0);
    expect(unicode.stdout).not.toContain('\u001b');
    const lines = unicode.stdout.trimEnd().split('\n');
    for (const line of lines) expect(displayWidth(line)).toBe(59);
    expect(lines[0]).toMatch(/^╔═+╗$/);
    expect(unicode.stdout).toContain('AGENT ORCHESTRATOR');
    expect(unicode.stdout).toContain('Agents: 2/2 active   Tickets: 1 queued, 2 in progress');
    expect(unicode.stdout).toMatch(/developer-1: T-1 \(3m\) +░+ +\?%/);
    expect(unicode.stdout).toMatch(/developer-2: T-2 \(\d+s\) +ESCALATED ⚠ Waiting for human/);
    expect(unicode.stdout).toContain('Escalation Queue: 1 pending');
    expect(unicode.stdout).toContain('Review Queue: 0 ready');

    const ascii = await cli(['tickets', 'watch', '--once'], { COLUMNS: '40', LANG: 'C', LC_ALL: '' });
    expect(ascii.code).toBe(0);
    expect(ascii.stdout).toMatch(/^[\x20-\x7e\n]*$/);
    for (const line of ascii.stdout.trimEnd().split('\n')) expect(displayWidth(line)).toBe(39);

    const json = await cli(['tickets', 'watch', '--once', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ runId: 'run-board', runStatus: 'running', queuedTickets: 1, pendingEscalations: 1 });
  }, SLOW_MS);

  it('`tickets watch` on a pipe prints a frame every interval until Ctrl-C, then exits 0; `| head` ends it cleanly', async () => {
    setUp();
    withJournal((store) => store.codebase.addTicket({ title: 'Add login' }, Date.now()));
    const child = startCli(['tickets', 'watch', '--interval-ms', '100', '--db', db], { cwd: temp.folder });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fewer than 3 frames in 60 s:\n${stdout}\n${stderr}`)), 20_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.split('AGENT ORCHESTRATOR').length > 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).not.toContain('\u001b');
    // Frames are separated by a blank line.
    expect(stdout).toMatch(/╝\n\n╔/);

    const piped = await runPipeline(['tickets', 'watch', '--interval-ms', '100', '--db', db], 'head -3');
    expect(piped.stdout.split('\n')).toHaveLength(4);
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
  }, SLOW_MS);
});

/** util-linux `script` gives the CLI a real pseudo-terminal of a chosen size. */
function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasScript())('ensemble tickets watch on a real pseudo-terminal', () => {
  it('redraws the board in place at 50 columns and exits 0 on Ctrl-C', async () => {
    setUp();
    const now = Date.now();
    withJournal((store) => {
      const ticket = store.codebase.addTicket({ title: 'Add login' }, now);
      seedTicketRun(store, 'run-tty', [{ taskId: 'login', ticketId: ticket.id, member: 'developer-1', startedAt: now }], 'alive', now);
      store.codebase.updateTicket(ticket.id, { status: 'in-progress', runId: 'run-tty', startedAt: now }, now);
    });
    const inner = `stty cols 50 rows 30; exec ${[process.execPath, cliPath, 'tickets', 'watch', '--interval-ms', '100', '--db', db].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ')}`;
    const env = cliEnv({ LANG: 'C.UTF-8', LC_ALL: '' });
    const child = spawn('script', ['-q', '-e', '-c', inner, '/dev/null'], { cwd: temp.folder, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let raw = '';
    child.stdout.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let waits = 0; waits < 600 && raw.split('AGENT ORCHESTRATOR').length <= 4; waits++) await new Promise((resolve) => setTimeout(resolve, 100));
      // Ctrl-C typed on the terminal: the line discipline sends SIGINT to the CLI.
      child.stdin.write('\u0003');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const terminal = new VirtualTerminal(50, 30);
    terminal.write(raw.replaceAll('^C', ''));
    const screen = terminal.lines().filter((line) => line.trim() !== '');
    expect(terminal.scrollback).toEqual([]);
    expect(screen.filter((line) => line.includes('AGENT ORCHESTRATOR'))).toHaveLength(1);
    expect(screen.every((line) => [...line].length <= 49)).toBe(true);
    expect(screen.some((line) => /developer-1: T-1 \(\d+s\)/.test(line))).toBe(true);
  }, SLOW_MS);
});

describe('ensemble review (real CLI, real git repository)', () => {
  it('lists open reviews with predicted conflicts, approves a clean one, reports MERGE_CONFLICT with exit 1, and re-queues a rejected one', async () => {
    setUp();
    const repo = makeTicketRepository(join(temp.folder, 'repo'), { 'a.txt': 'one\n', 'b.txt': 'two\n' });
    const worktrees = join(temp.folder, 'worktrees');
    /** A ticket's branch `ensemble/<id>` in its own worktree with `files` committed. */
    const branchWith = (ticketId: string, files: Record<string, string>): string => {
      const worktree = join(worktrees, ticketId);
      gitIn(repo, 'worktree', 'add', '-q', '-b', `ensemble/${ticketId}`, worktree, 'main');
      commitFiles(worktree, files, `${ticketId}: change`);
      return worktree;
    };
    const signal = new AbortController().signal;
    const store = openRunStore(db);
    try {
      const clean = store.codebase.addTicket({ title: 'clean change' }, 1);
      const conflicting = store.codebase.addTicket({ title: 'conflicting change' }, 1);
      const rejected = store.codebase.addTicket({ title: 'unwanted change' }, 1);
      const queue = new ReviewQueue({ store: store.codebase, repo });
      for (const [ticket, files] of [
        [clean, { 'c.txt': 'new\n' }],
        [conflicting, { 'a.txt': 'branch\n' }],
        [rejected, { 'd.txt': 'no\n' }],
      ] as const) {
        await queue.enqueue({ ticketId: ticket.id, runId: 'run-r', branch: `ensemble/${ticket.id}`, worktree: branchWith(ticket.id, files), signal });
      }
    } finally {
      store.close();
    }
    // The main branch moves under the second branch's change.
    commitFiles(repo, { 'a.txt': 'main\n' }, 'main: change a');

    const listed = await cli(['review', 'list', '--workspace', repo]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^REVIEW +TICKET +BRANCH +PREDICTION\n/);
    expect(listed.stdout).toMatch(/R-1 +T-1 +ensemble\/T-1 +clean\n/);
    expect(listed.stdout).toMatch(/R-2 +T-2 +ensemble\/T-2 +conflicts with main: a\.txt\n/);
    const json = JSON.parse((await cli(['review', 'list', '--workspace', repo, '--json'])).stdout) as { reviews: { id: string }[] };
    expect(json.reviews.map((review) => review.id)).toEqual(['R-1', 'R-2', 'R-3']);

    const approved = await runCli(['review', 'approve', 'R-1', '--db', db], { cwd: repo });
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^merged R-1 \(T-1, ensemble\/T-1\) as [0-9a-f]{12}; T-1 is done\n$/);
    expect(gitIn(repo, 'show', 'HEAD:c.txt')).toBe('new');

    const conflict = await cli(['review', 'approve', 'R-2', '--workspace', repo]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/error \[MERGE_CONFLICT\]: review R-2: ensemble\/T-2 conflicts with main in a\.txt/);

    const reject = await cli(['review', 'reject', 'R-3', '--reason', 'not needed yet', '--requeue', '--workspace', repo]);
    expect(reject.code).toBe(0);
    expect(reject.stdout).toBe('rejected R-3; T-3 is queued again\n');
    const unknown = await cli(['review', 'approve', 'R-9', '--workspace', repo]);
    expect(unknown.code).toBe(2);

    withJournal((journal) => {
      expect(journal.codebase.getTicket('T-1')?.status).toBe('done');
      expect(journal.codebase.getTicket('T-2')?.status).toBe('queued');
      expect(journal.codebase.getTicket('T-3')).toMatchObject({ status: 'queued', lastError: { message: 'rejected in review: not needed yet' } });
    });
  }, SLOW_MS);
});

describe('ensemble attach (real CLI, private tmux server folder)', () => {
  it('names the running teams when no window belongs to the member (exit 2)', async () => {
    setUp();
    const result = await cli(['attach', 'developer-1'], { TMUX_TMPDIR: temp.folder, TMUX: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error \[NOT_FOUND\]: no tmux window for agent "developer-1"; running teams: none/);
  }, SLOW_MS);
});
