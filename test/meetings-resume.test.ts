import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOwnerAlive } from '../src/host/index.js';
import { openRunStore } from '../src/store/index.js';
import { cliEnv, repoRoot, runCli, startCli } from './helpers/cli.js';
import { prepareMeetingFolder } from './helpers/meetings-agents.js';

let folder: string;
let db: string;
let log: string;
let agentsDir: string;
let removeFolder: () => void;

beforeEach(() => {
  ({ folder, db, log, agentsDir, remove: removeFolder } = prepareMeetingFolder('ensemble-meetings-resume-'));
});

afterEach(() => removeFolder());

/** The executions the agents logged: one `start` line per execution. */
function startsByTask(): Map<string, number> {
  const starts = new Map<string, number>();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const [kind, task] = line.split(' ');
    if (kind === 'start' && task !== undefined) starts.set(task, (starts.get(task) ?? 0) + 1);
  }
  return starts;
}

/** Polls the journal until a run not in `earlier` has `task:start` for `taskId`; returns its id. */
async function waitForStart(taskId: string, earlier: ReadonlySet<string>, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    let store;
    try {
      store = openRunStore(db);
    } catch {
      continue;
    }
    try {
      for (const run of store.listRuns()) {
        if (!earlier.has(run.runId) && store.readEvents(run.runId).some((event) => event.type === 'task:start' && event.taskId === taskId)) return run.runId;
      }
    } finally {
      store.close();
    }
  }
  throw new Error(`no task:start of ${taskId} within ${timeoutMs} ms`);
}

/** What the journal holds of a run once it is over: its status and, per task, how many times it completed. */
function journalOf(runId: string) {
  const store = openRunStore(db);
  try {
    const events = store.readEvents(runId);
    const completions = new Map<string, number>();
    for (const event of events) if (event.type === 'task:complete') completions.set(event.taskId, (completions.get(event.taskId) ?? 0) + 1);
    return { run: store.getRun(runId)!, events, completions };
  } finally {
    store.close();
  }
}

const MEETING_TASKS = [
  'topic-1.round-1.speaker-a', 'topic-1.round-1.speaker-b', 'topic-1.round-2.speaker-a', 'topic-1.round-2.speaker-b',
  'topic-1.round-3.speaker-a', 'topic-1.round-3.speaker-b', 'topic-1.minutes',
  'topic-2.round-1.speaker-a', 'topic-2.round-1.speaker-b', 'topic-2.round-2.speaker-a', 'topic-2.round-2.speaker-b',
  'topic-2.round-3.speaker-a', 'topic-2.round-3.speaker-b', 'topic-2.minutes',
];

describe('resuming a meeting after kill -9 (built CLI, real SQLite, command agents)', () => {
  it('finishes the meeting without making a finished statement again, whatever round the kill hit', async () => {
    // Killed during round 2 of topic 1, then at a random later statement.
    const later = MEETING_TASKS.filter((taskId) => !taskId.endsWith('minutes')).slice(3);
    const killPoints = ['topic-1.round-2.speaker-a', later[Math.floor(Math.random() * later.length)]!];
    const earlier = new Set<string>();
    for (const killAt of killPoints) {
      writeFileSync(log, '');
      const child = startCli(
        ['meeting', 'retrospective', '--title', 'Sprint 12', '--topic', 'Release process', '--topic', 'On-call', '--agents', 'speaker-a,speaker-b', '--facilitator', 'chair', '--json', '--db', db, '--agents-dir', agentsDir],
        { cwd: folder, env: { WORKER_LOG: log, SPEAK_MS: '700' } },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const runId = await waitForStart(killAt, earlier);
      earlier.add(runId);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 300)));
      child.kill('SIGKILL');
      expect(await exited, killAt).toBe('SIGKILL');

      const crashed = journalOf(runId);
      expect(crashed.run.status, killAt).toBe('running');
      expect(isOwnerAlive({ ...crashed.run.owner, ...(crashed.run.heartbeatAt === undefined ? {} : { heartbeatAt: crashed.run.heartbeatAt }) }), killAt).toBe(false);
      const finishedBeforeKill = [...crashed.completions.keys()];
      expect(finishedBeforeKill.length, killAt).toBeLessThan(MEETING_TASKS.length);
      const startsBeforeResume = startsByTask();

      const resumed = await runCli(['meetings', 'resume', runId, '--json', '--db', db], { cwd: folder, env: { WORKER_LOG: log, SPEAK_MS: '0' } });
      expect(resumed.code, `${killAt}: ${resumed.stderr}`).toBe(0);
      const document = JSON.parse(resumed.stdout) as { runId: string; status: string; transcript: { missingTaskIds: string[]; topics: { minutes?: { decisions: string[] } }[] } };
      expect(document, killAt).toMatchObject({ runId, status: 'succeeded', transcript: { missingTaskIds: [] } });
      expect(document.transcript.topics.map((topic) => topic.minutes?.decisions), killAt).toEqual([['Adopt the proposal on Release process'], ['Adopt the proposal on On-call']]);

      // A statement finished before the kill was not made again; every task completed exactly once in the journal.
      const starts = startsByTask();
      for (const taskId of finishedBeforeKill) expect(starts.get(taskId), `${killAt}: ${taskId}`).toBe(startsBeforeResume.get(taskId));
      const after = journalOf(runId);
      expect(after.run.status, killAt).toBe('succeeded');
      expect([...after.completions.keys()].sort(), killAt).toEqual([...MEETING_TASKS].sort());
      expect([...after.completions.values()].every((count) => count === 1), killAt).toBe(true);
      expect(after.events.map((event) => event.seq), killAt).toEqual(after.events.map((_, index) => index + 1));
      // The statements made after the resume still heard everything said before them.
      const closing = document.transcript as unknown as { topics: { rounds: { statements: { text: string }[] }[] }[] };
      expect(closing.topics[1]!.rounds[2]!.statements[0]!.text, killAt).toBe('speaker-a (topic-2.round-3.speaker-a) heard speaker-a,speaker-b,speaker-a,speaker-b\n');
    }
  }, 240_000);

  it('adds the next round on resume when the kill came after a round finished but before the next was added', async () => {
    // A process that runs only the first round of a meeting run, holding it open, and dies by SIGKILL once that round is done.
    const script = join(folder, 'first-round-then-die.mjs');
    writeFileSync(
      script,
      `
import { AgentOrchestrator } from ${JSON.stringify(join(repoRoot, 'dist/src/orchestrator/index.js'))};
import { resolveMeetingPlan, listMeetingSteps, planNextMeetingStep } from ${JSON.stringify(join(repoRoot, 'dist/src/meetings/meeting/index.js'))};
const { plan } = resolveMeetingPlan({ type: 'code-review', title: 'Cut short', topics: ['Logging'], agents: ['speaker-a', 'speaker-b'], facilitator: 'chair' });
const first = planNextMeetingStep(plan, listMeetingSteps(plan), { added: new Set(), outputs: new Map(), failed: new Set() });
const orchestrator = new AgentOrchestrator({ store: process.argv[2], agentDirs: [process.argv[3]], workflowName: plan.title, workflowId: 'meeting:code-review', parameters: { meeting: plan } });
orchestrator.keepOpen();
orchestrator.addTasks(first.tasks);
let done = 0;
orchestrator.on('task:complete', () => { if (++done === first.tasks.length) setTimeout(() => process.kill(process.pid, 'SIGKILL'), 100); });
await orchestrator.execute();
`,
    );
    const died = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
      // No WORKER_LOG: the log then holds only what the resume runs.
      const child = spawn(process.execPath, [script, db, agentsDir], { cwd: folder, env: cliEnv(), stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (_code, signal) => resolve(signal));
    });
    expect(died).toBe('SIGKILL');
    const store = openRunStore(db);
    const runId = store.listRuns()[0]!.runId;
    store.close();
    const before = journalOf(runId);
    expect([...before.completions.keys()].sort()).toEqual(['topic-1.round-1.speaker-a', 'topic-1.round-1.speaker-b']);
    expect(before.events.some((event) => event.type === 'task:added' && event.task !== undefined)).toBe(false);

    const resumed = await runCli(['meetings', 'resume', runId, '--json', '--db', db], { cwd: folder, env: { WORKER_LOG: log } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'succeeded', transcript: { missingTaskIds: [] } });
    const starts = startsByTask();
    expect(starts.get('topic-1.round-1.speaker-a')).toBeUndefined();
    expect([...starts.keys()].sort()).toEqual(['topic-1.minutes', 'topic-1.round-2.speaker-a', 'topic-1.round-2.speaker-b']);
  }, 60_000);
});
