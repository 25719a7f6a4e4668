import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRunStore } from '../src/store/index.js';
import { parseNdjson, runCli, startCli } from './helpers/cli.js';
import { prepareMeetingFolder } from './helpers/meetings-agents.js';

let folder: string;
let db: string;
let log: string;
let agentsDir: string;
let removeFolder: () => void;

beforeEach(() => {
  ({ folder, db, log, agentsDir, remove: removeFolder } = prepareMeetingFolder('ensemble-meetings-dispatch-'));
});
afterEach(() => removeFolder());

// Needs the lead's wiring: the meeting dispatch in resume-command.ts and --with-meeting in run-command.ts (see the meetings report).
describe('ensemble resume of a meeting run, ensemble run --with-meeting', () => {
  it('hands the run to the meeting driver: the rounds not yet added are added, NDJSON events with --json, minutes without', async () => {
    const child = startCli(
      ['meeting', 'code-review', '--title', 'Dispatch', '--topic', 'Logging', '--agents', 'speaker-a,speaker-b', '--facilitator', 'chair', '--json', '--db', db, '--agents-dir', agentsDir],
      { cwd: folder, env: { WORKER_LOG: log, SPEAK_MS: '600' } },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let runId: string | undefined;
    while (runId === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (!readFileSync(log, 'utf8').includes('start topic-1.round-1.speaker-a')) continue;
      const store = openRunStore(db);
      try {
        runId = store.listRuns()[0]?.runId;
      } finally {
        store.close();
      }
    }
    child.kill('SIGKILL');
    await exited;
    const resumed = await runCli(['resume', runId, '--json', '--db', db], { cwd: folder, env: { SPEAK_MS: '0' } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const events = parseNdjson(resumed.stdout);
    expect(events[0]).toMatchObject({ type: 'workflow:start', resumed: true });
    expect(events.filter((event) => event.type === 'task:added').map((event) => event.taskId)).toEqual(['topic-1.round-2.speaker-a', 'topic-1.round-2.speaker-b', 'topic-1.minutes']);
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded', summary: { totalTasks: 5, successfulTasks: 5 } });
    const shown = await runCli(['meetings', 'show', runId, '--db', db], { cwd: folder });
    expect(shown.stdout).toContain('- Adopt the proposal on Logging');
  }, 60_000);

  it('ensemble run --with-meeting puts the minutes before every task prompt', async () => {
    const meeting = await runCli(['meeting', 'brainstorming', '--title', 'Ideas', '--topic', 'Onboarding', '--agents', 'speaker-a', '--facilitator', 'chair', '--json', '--db', db, '--agents-dir', agentsDir], { cwd: folder });
    const runId = (JSON.parse(meeting.stdout) as { runId: string }).runId;
    const workflow = join(folder, 'after.json');
    writeFileSync(workflow, JSON.stringify({ name: 'after the meeting', tasks: [{ id: 'build', agentName: 'echo-prompt', prompt: 'Build the onboarding flow.' }] }));
    const run = await runCli(['run', workflow, '--with-meeting', runId, '--json', '--db', db, '--agents-dir', agentsDir], { cwd: folder });
    expect(run.code, run.stderr).toBe(0);
    const output = String(parseNdjson(run.stdout).find((event) => event.type === 'task:complete')?.output);
    expect(output).toMatch(/^## Minutes of the meeting "Ideas" \(Brainstorming, run run-\S+\)/);
    expect(output).toContain('- Adopt the proposal on Onboarding');
    expect(output.endsWith('## Your task\n\nBuild the onboarding flow.')).toBe(true);
    const bad = await runCli(['run', workflow, '--with-meeting', 'run-nope', '--db', db, '--agents-dir', agentsDir], { cwd: folder });
    expect(bad.code).toBe(2);
  }, 60_000);
});
