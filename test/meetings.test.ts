import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAgent, unregisterAgent, SIMULATED_LABEL } from '../src/agents/index.js';
import type { RunEvent, TaskSpec } from '../src/core/index.js';
import { conductMeeting, continueMeeting, listMeetings, meetingContext, readMeeting, withMeetingContext } from '../src/meetings/index.js';
import { openRunStore } from '../src/store/index.js';
import { createTempFolder } from './helpers/temp-folder.js';

let folder: string;
let db: string;
let removeFolder: () => void;
const registered: string[] = [];
/** Every prompt an in-process participant was given, by task id. */
const prompts = new Map<string, string>();
/** How many times each task ran. */
const runs = new Map<string, number>();

beforeEach(() => {
  ({ folder, remove: removeFolder } = createTempFolder('ensemble-meetings-'));
  db = `${folder}/journal.db`;
  prompts.clear();
  runs.clear();
});

afterEach(() => {
  for (const name of registered.splice(0)) unregisterAgent(name);
  removeFolder();
});

/** A participant that states its name, the task and the speakers it heard (from the `**name:**` lines of its prompt). */
function participant(name: string, behaviour: { failOn?: (task: TaskSpec) => boolean } = {}): void {
  registered.push(name);
  registerAgent({
    name,
    run: (task) => {
      prompts.set(task.id, task.prompt);
      runs.set(task.id, (runs.get(task.id) ?? 0) + 1);
      if (behaviour.failOn?.(task) === true) throw new Error(`${name} lost the thread`);
      const heard = [...task.prompt.matchAll(/^\*\*([\w-]+):\*\*$/gm)].map((match) => match[1]);
      return `${name} on ${task.id}; heard ${heard.length === 0 ? 'nobody' : heard.join(',')}`;
    },
  });
}

/** A facilitator answering in the minutes format, naming the topic from its prompt. */
function facilitator(name: string): void {
  registered.push(name);
  registerAgent({
    name,
    run: (task) => {
      prompts.set(task.id, task.prompt);
      runs.set(task.id, (runs.get(task.id) ?? 0) + 1);
      const topic = /^## Topic \d+ of \d+: (.+)$/m.exec(task.prompt)?.[1] ?? '?';
      const statements = task.prompt.match(/^\*\*[\w-]+:\*\*$/gm)?.length ?? 0;
      return `## Summary\n${statements} statements on ${topic}.\n\n## Decisions\n- Adopt the plan for ${topic}\n\n## Action items\n- m-alice: write up ${topic} (due: Friday)\n- m-bob: review it`;
    },
  });
}

const options = (extra: Record<string, unknown> = {}) => ({ store: db, workspaceDir: folder, simulatedLatencyMs: 0, ...extra });

describe('meetings (library, real orchestrator and journal)', () => {
  it('grows a 2-topic, 2-round meeting round by round: task:added after workflow:start, prompts carrying earlier statements, minutes parsed', async () => {
    participant('m-alice');
    participant('m-bob');
    facilitator('m-chair');
    const events: RunEvent[] = [];
    const result = await conductMeeting(
      { type: 'architecture-review', title: 'Orders platform', topics: ['Service boundaries', 'Data consistency'], agents: ['m-alice', 'm-bob'], facilitator: 'm-chair' },
      options({ onEvent: (event: RunEvent) => events.push(event) }),
    );
    expect(result.status).toBe('succeeded');
    // architecture-review has 3 rounds: 2 topics × (3 rounds × 2 speakers + minutes).
    expect(result.outcome.summary).toMatchObject({ totalTasks: 14, successfulTasks: 14 });

    // The run started with the first round only; every later step was added while it ran, after the step before it finished.
    const store = openRunStore(db);
    try {
      const run = store.getRun(result.runId)!;
      expect(run).toMatchObject({ workflowId: 'meeting:architecture-review', workflowName: 'Orders platform', status: 'succeeded' });
      expect(run.spec.tasks.map((task) => task.id)).toEqual(['topic-1.round-1.m-alice', 'topic-1.round-1.m-bob']);
    } finally {
      store.close();
    }
    expect(events[0]!.type).toBe('workflow:start');
    const seqOf = (type: string, taskId: string) => events.find((event) => event.type === type && 'taskId' in event && event.taskId === taskId)?.seq ?? Number.NaN;
    const addedLater = events.filter((event): event is Extract<RunEvent, { type: 'task:added' }> => event.type === 'task:added' && event.task !== undefined);
    expect(addedLater.map((event) => event.taskId)).toEqual([
      'topic-1.round-2.m-alice',
      'topic-1.round-2.m-bob',
      'topic-1.round-3.m-alice',
      'topic-1.round-3.m-bob',
      'topic-1.minutes',
      'topic-2.round-1.m-alice',
      'topic-2.round-1.m-bob',
      'topic-2.round-2.m-alice',
      'topic-2.round-2.m-bob',
      'topic-2.round-3.m-alice',
      'topic-2.round-3.m-bob',
      'topic-2.minutes',
    ]);
    expect(seqOf('task:added', 'topic-1.round-2.m-alice')).toBeGreaterThan(Math.max(seqOf('task:complete', 'topic-1.round-1.m-alice'), seqOf('task:complete', 'topic-1.round-1.m-bob')));
    expect(seqOf('task:added', 'topic-1.minutes')).toBeGreaterThan(seqOf('task:complete', 'topic-1.round-3.m-bob'));
    expect(seqOf('task:added', 'topic-2.round-1.m-alice')).toBeGreaterThan(seqOf('task:complete', 'topic-1.minutes'));
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded' });

    // Each prompt carries the statements made before it.
    expect(prompts.get('topic-1.round-1.m-bob')).toContain('Nobody has spoken on this topic yet.');
    expect(prompts.get('topic-1.round-2.m-bob')).toContain('**m-alice:**\n\nm-alice on topic-1.round-1.m-alice; heard nobody');
    expect(prompts.get('topic-1.round-3.m-alice')).toContain('m-bob on topic-1.round-2.m-bob; heard m-alice,m-bob');
    expect(prompts.get('topic-2.round-1.m-alice')).toContain('6 statements on Service boundaries.');

    // The transcript, by topic and round, and the minutes in their parts.
    const [first, second] = result.transcript.topics;
    expect(first!.rounds.map((round) => [round.name, round.statements.map((statement) => statement.speaker)])).toEqual([
      ['opening statements', ['m-alice', 'm-bob']],
      ['discussion', ['m-alice', 'm-bob']],
      ['proposals', ['m-alice', 'm-bob']],
    ]);
    expect(first!.minutes).toMatchObject({
      format: 'sections',
      summary: '6 statements on Service boundaries.',
      decisions: ['Adopt the plan for Service boundaries'],
      actionItems: [
        { owner: 'm-alice', action: 'write up Service boundaries', due: 'Friday' },
        { owner: 'm-bob', action: 'review it' },
      ],
    });
    expect(second!.minutes?.decisions).toEqual(['Adopt the plan for Data consistency']);
    expect(result.transcript.missingTaskIds).toEqual([]);

    // The journal gives the same transcript back, lists the meeting, and hands its minutes to later work.
    const journal = openRunStore(db);
    try {
      expect(readMeeting(journal, result.runId).transcript).toEqual(result.transcript);
      expect(listMeetings(journal)).toMatchObject([{ runId: result.runId, typeId: 'architecture-review', title: 'Orders platform', topicCount: 2, status: 'succeeded' }]);
      const context = meetingContext(journal, result.runId);
      expect(context).toContain('## Minutes of the meeting "Orders platform" (Architecture review');
      expect(context).toContain('- m-alice: write up Data consistency (due: Friday)');
      const [task] = withMeetingContext([{ prompt: 'Implement the service split.', description: '' }], context);
      expect(task!.prompt.indexOf('Adopt the plan for Service boundaries')).toBeLessThan(task!.prompt.indexOf('Implement the service split.'));
    } finally {
      journal.close();
    }
  });

  it('runs on simulated catalogue agents when no provider is configured; the simulated facilitator writes minutes in the asked-for format', async () => {
    const result = await conductMeeting({ type: 'standup', title: 'Tuesday standup', topics: ['Checkout release'] }, options());
    expect(result.status).toBe('succeeded');
    const [topic] = result.transcript.topics;
    // A standup is sequential: four speakers, two rounds, one step each, then the minutes.
    expect(topic!.rounds.map((round) => round.statements.map((statement) => statement.speaker))).toEqual([
      ['developer', 'frontend-developer', 'tester', 'deployment-engineer'],
      ['developer', 'frontend-developer', 'tester', 'deployment-engineer'],
    ]);
    expect(topic!.rounds[0]!.statements.every((statement) => statement.text.startsWith(SIMULATED_LABEL))).toBe(true);
    expect(topic!.minutes).toMatchObject({ facilitator: 'scrum-master' });
    const minutes = topic!.minutes!;
    expect(minutes.summary).toContain('"Checkout release"');
    expect(minutes.summary).toContain('developer, frontend-developer, tester, deployment-engineer');
    expect(minutes.decisions).toHaveLength(2);
    expect(minutes.actionItems).toHaveLength(2);
    // Owners are participants of the meeting.
    for (const item of minutes.actionItems) expect(['developer', 'frontend-developer', 'tester', 'deployment-engineer']).toContain(item.owner);
  });

  it('stops growing when a statement fails, and continueMeeting finishes it without making the finished statements again', async () => {
    let isBroken = true;
    participant('m-alice');
    participant('m-bob', { failOn: (task) => isBroken && task.id === 'topic-1.round-2.m-bob' });
    facilitator('m-chair');
    const request = { type: 'retrospective', title: 'Sprint 12', topics: ['Release process'], agents: ['m-alice', 'm-bob'], facilitator: 'm-chair' };
    const failed = await conductMeeting(request, options());
    expect(failed.status).toBe('failed');
    expect(failed.transcript.topics[0]!.rounds.map((round) => round.statements.length)).toEqual([2, 1, 0]);
    expect(failed.transcript.topics[0]!.minutes).toBeUndefined();
    expect(failed.transcript.missingTaskIds).toEqual(['topic-1.round-2.m-bob', 'topic-1.round-3.m-alice', 'topic-1.round-3.m-bob', 'topic-1.minutes']);
    // The failure held the meeting at round 2: round 3 was never added.
    expect(failed.outcome.summary.totalTasks).toBe(4);

    isBroken = false;
    const resumed = await continueMeeting(failed.runId, options());
    expect(resumed.status).toBe('succeeded');
    expect(resumed.runId).toBe(failed.runId);
    expect(resumed.transcript.topics[0]!.rounds.map((round) => round.statements.length)).toEqual([2, 2, 2]);
    expect(resumed.transcript.topics[0]!.minutes?.decisions).toEqual(['Adopt the plan for Release process']);
    expect(Object.fromEntries(runs)).toEqual({
      'topic-1.round-1.m-alice': 1,
      'topic-1.round-1.m-bob': 1,
      'topic-1.round-2.m-alice': 1,
      'topic-1.round-2.m-bob': 2,
      'topic-1.round-3.m-alice': 1,
      'topic-1.round-3.m-bob': 1,
      'topic-1.minutes': 1,
    });
    // The round after the resumed one still heard everything said before it.
    expect(prompts.get('topic-1.round-3.m-alice')).toContain('m-bob on topic-1.round-2.m-bob; heard m-alice,m-bob');
  });

  it('stops when cancelled mid-meeting, and continues from there', async () => {
    const controller = new AbortController();
    registered.push('m-slow');
    registerAgent({
      name: 'm-slow',
      run: async (task, context) => {
        runs.set(task.id, (runs.get(task.id) ?? 0) + 1);
        // The first round-2 statement is under way when the meeting is cancelled; it is made again on resume.
        if (task.id === 'topic-1.round-2.m-slow' && runs.get(task.id) === 1) {
          setTimeout(() => controller.abort(new Error('stop')), 0);
          await new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason)));
        }
        return `m-slow on ${task.id}`;
      },
    });
    facilitator('m-chair');
    const request = { type: 'code-review', title: 'Cancelled review', topics: ['Retries'], agents: ['m-slow'], facilitator: 'm-chair' };
    const cancelled = await conductMeeting(request, { ...options(), signal: controller.signal });
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.transcript.topics[0]!.rounds.map((round) => round.statements.length)).toEqual([1, 0]);
    const resumed = await continueMeeting(cancelled.runId, options());
    expect(resumed.status).toBe('succeeded');
    expect(resumed.transcript.missingTaskIds).toEqual([]);
    expect(Object.fromEntries(runs)).toEqual({ 'topic-1.round-1.m-slow': 1, 'topic-1.round-2.m-slow': 2, 'topic-1.minutes': 1 });
  });

  it('rejects bad requests before anything is journaled, naming the field, the type or the agent', async () => {
    participant('m-alice');
    await expect(conductMeeting({ type: 'retrospectve', title: 't', topics: ['x'] }, options())).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('unknown meeting type "retrospectve" (did you mean "retrospective"?)'),
    });
    await expect(conductMeeting({ type: 'standup', title: 't', topics: ['x'], agents: ['m-alice', 'nobody-here'] }, options())).rejects.toMatchObject({
      code: 'UNKNOWN_AGENT',
      message: expect.stringContaining('"nobody-here"'),
    });
    await expect(conductMeeting({ type: 'standup', title: 't', topics: ['x'], facilitator: 'scrum-mastr' }, options())).rejects.toMatchObject({
      code: 'UNKNOWN_AGENT',
      message: expect.stringContaining('did you mean "scrum-master"'),
    });
    await expect(conductMeeting({ type: 'standup', title: ' ', topics: [] }, options())).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'title: must not be empty\ntopics: must name at least one topic',
    });
    await expect(conductMeeting({ type: 'standup', title: 't', topics: ['x'], agents: ['m-alice', 'm-alice'] }, options())).rejects.toMatchObject({
      message: 'agents[1]: "m-alice" is named twice',
    });
    const store = openRunStore(db);
    try {
      expect(store.listRuns()).toEqual([]);
    } finally {
      store.close();
    }
    await expect(continueMeeting('run-nope', options())).rejects.toMatchObject({ code: 'UNKNOWN_RUN' });
  });
});
