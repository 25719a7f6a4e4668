import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTmuxSandbox } from '../../../test/helpers/tmux-sandbox.js';
import type { TmuxSandbox } from '../../../test/helpers/tmux-sandbox.js';
import { attachToMember, findTeamWindow, listTeamSessions } from './attach-to-member.js';
import { toTeamSessionName, toTmuxName } from './tmux-names.js';

describe('findTeamWindow', () => {
  const sessions = [
    { name: 'ensemble-api', activityAt: 100, windows: ['~ensemble', 'coder', 'reviewer'] },
    { name: 'ensemble-web', activityAt: 200, windows: ['~ensemble', 'coder'] },
    { name: 'my-own-session', activityAt: 300, windows: ['tester'] },
  ];

  it('finds the team session holding the member window, the most recently active first', () => {
    expect(findTeamWindow({ member: 'reviewer', sessions })).toEqual({ session: 'ensemble-api', window: 'reviewer' });
    expect(findTeamWindow({ member: 'coder', sessions })).toEqual({ session: 'ensemble-web', window: 'coder' });
  });

  it('looks the member up by its window name', () => {
    expect(findTeamWindow({ member: 'co.der', sessions: [{ name: 'ensemble-x', activityAt: 0, windows: ['co_der'] }] })).toEqual({ session: 'ensemble-x', window: 'co_der' });
  });

  it('says NOT_FOUND naming the running teams, ignoring sessions that are not ensemble teams', () => {
    expect(() => findTeamWindow({ member: 'tester', sessions })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: 'no tmux window for agent "tester"; running teams: ensemble-api (coder, reviewer); ensemble-web (coder)' }),
    );
    expect(() => findTeamWindow({ member: 'x', sessions: [] })).toThrow(/running teams: none/);
  });
});

describe('tmux names', () => {
  it('sanitises team and member names to what tmux targets keep', () => {
    expect(toTeamSessionName('my repo.git')).toBe('ensemble-my_repo_git');
    expect(toTmuxName('coder:2')).toBe('coder_2');
    expect(toTmuxName('')).toBe('_');
  });
});

describe('attachToMember', () => {
  let sandbox: TmuxSandbox | undefined;
  afterEach(() => sandbox?.remove());

  it('attaches to the window on the default socket of the tmux folder, or switches from inside tmux', async () => {
    sandbox = createTmuxSandbox({ runnerPath: '/unused' });
    // The default server of a private TMUX_TMPDIR: never the user's.
    const server = { tmuxTmpDir: sandbox.tmuxTmpDir };
    const { TMUX: _current, ...outside } = process.env;
    const run = (...args: string[]) => spawnSync('tmux', args, { env: { ...outside, TMUX_TMPDIR: sandbox!.tmuxTmpDir }, encoding: 'utf8', timeout: 10_000 });
    expect(run('new-session', '-d', '-s', 'ensemble-team', '-n', 'coder', 'sleep', '60').status).toBe(0);
    try {
      expect(await listTeamSessions(server, new AbortController().signal)).toEqual([{ name: 'ensemble-team', activityAt: expect.any(Number), windows: ['coder'] }]);
      const seen: (readonly string[])[] = [];
      const spawnAttach = async (argv: readonly string[], env: NodeJS.ProcessEnv) => {
        seen.push(argv);
        expect(env['TMUX_TMPDIR']).toBe(sandbox!.tmuxTmpDir);
        return 0;
      };
      await attachToMember({ member: 'coder', tmuxTmpDir: sandbox.tmuxTmpDir, env: {}, spawnAttach });
      await attachToMember({ member: 'coder', tmuxTmpDir: sandbox.tmuxTmpDir, env: { TMUX: '/tmp/x,1,0' }, spawnAttach });
      expect(seen).toEqual([
        ['tmux', 'attach-session', '-t', '=ensemble-team:=coder'],
        ['tmux', 'switch-client', '-t', '=ensemble-team:=coder'],
      ]);
    } finally {
      run('kill-server');
    }
  });

  it('says TMUX_FAILED with the install command when tmux is missing', async () => {
    const emptyBin = mkdtempSync(join(tmpdir(), 'ensemble-tmux-nobin-'));
    const path = process.env['PATH'];
    process.env['PATH'] = emptyBin;
    try {
      await expect(attachToMember({ member: 'coder', socketName: 'unused', spawnAttach: async () => 0 })).rejects.toMatchObject({
        code: 'TMUX_FAILED',
        message: expect.stringContaining('apt-get install tmux'),
      });
    } finally {
      process.env['PATH'] = path;
      rmSync(emptyBin, { recursive: true, force: true });
    }
  });
});
