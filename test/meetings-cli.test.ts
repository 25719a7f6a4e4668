import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore } from '../src/store/index.js';
import { runCli } from './helpers/cli.js';
import { writeMeetingAgents } from './helpers/meetings-agents.js';
import { createTempFolder } from './helpers/temp-folder.js';

let folder: string;
let db: string;
let agentsDir: string;
let removeFolder: () => void;

beforeEach(() => {
  ({ folder, remove: removeFolder } = createTempFolder('ensemble-meetings-cli-'));
  db = join(folder, 'journal.db');
  agentsDir = writeMeetingAgents(folder);
});

afterEach(() => removeFolder());

const ensemble = (...args: string[]) => runCli([...args, '--db', db, '--agents-dir', agentsDir], { cwd: folder });

interface MeetingDocument {
  runId: string;
  status: string;
  summary: { totalTasks: number; successfulTasks: number };
  transcript: {
    typeId: string;
    topics: { topic: string; rounds: { name: string; statements: { speaker: string; text: string }[] }[]; minutes?: { summary: string; decisions: string[]; actionItems: { owner?: string; action: string; due?: string }[] } }[];
  };
}

describe('ensemble meeting and ensemble meetings (built CLI, real SQLite, command agents)', () => {
  it('holds a 2-topic meeting, then lists it and shows its transcript and minutes', async () => {
    const held = await ensemble(
      'meeting', 'code-review', '--title', 'Payments refactor', '--topic', 'Error handling', '--topic', 'Test coverage',
      '--agents', 'speaker-a,speaker-b', '--facilitator', 'chair', '--json',
    );
    expect(held.code, held.stderr).toBe(0);
    const document = JSON.parse(held.stdout) as MeetingDocument;
    // code-review: 2 rounds × 2 speakers + minutes, for each of 2 topics.
    expect(document).toMatchObject({ status: 'succeeded', summary: { totalTasks: 10, successfulTasks: 10 }, transcript: { typeId: 'code-review' } });
    const [first, second] = document.transcript.topics;
    expect(first!.rounds[0]!.statements).toEqual([
      { speaker: 'speaker-a', taskId: 'topic-1.round-1.speaker-a', text: 'speaker-a (topic-1.round-1.speaker-a) heard nobody\n' },
      { speaker: 'speaker-b', taskId: 'topic-1.round-1.speaker-b', text: 'speaker-b (topic-1.round-1.speaker-b) heard nobody\n' },
    ]);
    expect(first!.rounds[1]!.statements[1]!.text).toBe('speaker-b (topic-1.round-2.speaker-b) heard speaker-a,speaker-b\n');
    expect(first!.minutes).toEqual({
      summary: '4 statements on Error handling.',
      decisions: ['Adopt the proposal on Error handling'],
      actionItems: [{ owner: 'speaker-a', action: 'follow up on Error handling', due: 'Friday' }],
      format: 'sections',
      facilitator: 'chair',
      taskId: 'topic-1.minutes',
      text: expect.any(String),
    });
    expect(second!.minutes?.decisions).toEqual(['Adopt the proposal on Test coverage']);

    const list = await ensemble('meetings', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${document.runId}\\s+succeeded\\s+code-review\\s+Payments refactor\\s+2\\s+speaker-a, speaker-b`));

    const show = await ensemble('meetings', 'show', document.runId);
    expect(show.code, show.stderr).toBe(0);
    for (const expected of [
      `${document.runId} · Code review · Payments refactor`,
      '═══ Topic 1: Error handling ═══',
      '── Round 2: discussion ──',
      'speaker-b:\nspeaker-b (topic-1.round-2.speaker-b) heard speaker-a,speaker-b',
      'Minutes · topic 2: Test coverage',
      '## Decisions\n\n- Adopt the proposal on Test coverage',
      '## Action items\n\n- speaker-a: follow up on Test coverage (due: Friday)',
    ]) {
      expect(show.stdout).toContain(expected);
    }
    const showJson = await ensemble('meetings', 'show', document.runId, '--json');
    expect((JSON.parse(showJson.stdout) as MeetingDocument).transcript).toEqual(document.transcript);
  });

  it('prints the minutes after the progress view without --json', async () => {
    const held = await ensemble('meeting', 'standup', '--title', 'Daily', '--topic', 'Checkout', '--agents', 'speaker-a,speaker-b', '--facilitator', 'chair');
    expect(held.code, held.stderr).toBe(0);
    expect(held.stdout).toContain('Minutes · topic 1: Checkout');
    expect(held.stdout).toContain('- speaker-a: follow up on Checkout (due: Friday)');
    expect(held.stdout).toMatch(/full transcript: ensemble meetings show run-\S+/);
  });

  it('feeds an earlier meeting\'s minutes to a later meeting as background', async () => {
    const first = JSON.parse((await ensemble('meeting', 'brainstorming', '--title', 'Ideas', '--topic', 'Onboarding', '--agents', 'speaker-a', '--facilitator', 'chair', '--json')).stdout) as MeetingDocument;
    const second = await ensemble('meeting', 'sprint-planning', '--title', 'Plan', '--topic', 'Sprint 3', '--agents', 'echo-prompt', '--facilitator', 'chair', '--with-meeting', first.runId, '--json');
    expect(second.code, second.stderr).toBe(0);
    const statement = (JSON.parse(second.stdout) as MeetingDocument).transcript.topics[0]!.rounds[0]!.statements[0]!.text;
    expect(statement).toContain(`## Background\n\n## Minutes of the meeting "Ideas" (Brainstorming, run ${first.runId})`);
    expect(statement).toContain('- Adopt the proposal on Onboarding');
  });

  it('lists the meeting types', async () => {
    const text = await ensemble('meetings', 'types');
    expect(text.code).toBe(0);
    for (const id of ['architecture-review', 'standup', 'sprint-planning', 'retrospective', 'incident-postmortem', 'design-review']) expect(text.stdout).toContain(id);
    const json = JSON.parse((await ensemble('meetings', 'types', '--json')).stdout) as { types: { id: string; purpose: string; rounds: unknown[] }[] };
    expect(json.types.length).toBeGreaterThanOrEqual(20);
    const agile = JSON.parse((await ensemble('meetings', 'types', '--category', 'agile', '--json')).stdout) as { types: { category: string }[] };
    expect(agile.types.every((type) => type.category === 'agile')).toBe(true);
  });

  it('exits 2, naming the problem, for an unknown type, an unknown agent, no topic, or a run that is not a meeting', async () => {
    const type = await ensemble('meeting', 'retro', '--title', 't', '--topic', 'x');
    expect(type.code).toBe(2);
    expect(type.stderr).toContain('unknown meeting type "retro"');
    const agent = await ensemble('meeting', 'retrospective', '--title', 't', '--topic', 'x', '--agents', 'speaker-a,speaker-z');
    expect(agent.code).toBe(2);
    expect(agent.stderr).toContain('unknown agent "speaker-z"');
    const noTopic = await ensemble('meeting', 'retrospective', '--title', 't');
    expect(noTopic.code).toBe(2);
    expect(noTopic.stderr).toContain('--topic');
    const category = await ensemble('meetings', 'types', '--category', 'fun');
    expect(category.code).toBe(2);
    const workflow = join(folder, 'plain.json');
    writeFileSync(workflow, JSON.stringify({ name: 'plain', tasks: [{ id: 'x', agentName: 'speaker-a', prompt: 'hi' }] }));
    const plain = await ensemble('run', workflow, '--json');
    const runId = String((JSON.parse(plain.stdout.split('\n')[0]!) as { runId: string }).runId);
    const notMeeting = await ensemble('meetings', 'show', runId);
    expect(notMeeting.code).toBe(2);
    expect(notMeeting.stderr).toContain(`run "${runId}" is not a meeting`);
    const missing = await ensemble('meetings', 'show', 'run-missing');
    expect(missing.code).toBe(2);
  });
});

describe('ensemble memory import (built CLI)', () => {
  it('round-trips an export into another journal, and a second import adds nothing', async () => {
    const memory = openMemoryStore(db);
    try {
      memory.append('speaker-a', [
        { role: 'user', content: 'We deploy on Fridays.', createdAt: 1000 },
        { role: 'agent', content: 'Noted: Friday deploys.', createdAt: 1000 },
      ]);
    } finally {
      memory.close();
    }
    const file = join(folder, 'speaker-a.json');
    expect((await ensemble('memory', 'export', 'speaker-a', '--output', file)).code).toBe(0);

    const otherDb = join(folder, 'other.db');
    const imported = await runCli(['memory', 'import', file, '--db', otherDb, '--agents-dir', agentsDir], { cwd: folder });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toBe('imported 2 of 2 messages into the memory of agent "speaker-a"; it now holds 2\n');
    const again = await runCli(['memory', 'import', file, '--json', '--db', otherDb, '--agents-dir', agentsDir], { cwd: folder });
    expect(JSON.parse(again.stdout)).toMatchObject({ agentName: 'speaker-a', entryCount: 2, imported: 0, skipped: 2, total: 2 });
    const listed = await runCli(['memory', 'list', 'speaker-a', '--json', '--db', otherDb, '--agents-dir', agentsDir], { cwd: folder });
    expect((JSON.parse(listed.stdout) as { entries: { content: string; createdAt: number }[] }).entries).toMatchObject([
      { content: 'We deploy on Fridays.', createdAt: 1000 },
      { content: 'Noted: Friday deploys.', createdAt: 1000 },
    ]);

    const renamed = await ensemble('memory', 'import', file, '--agent', 'speaker-b');
    expect(renamed.stdout).toContain('into the memory of agent "speaker-b"');
  });

  it('exits 2 for a file that is not an export, naming the field, and for an unknown --agent', async () => {
    const file = join(folder, 'bad.json');
    writeFileSync(file, JSON.stringify({ format: 'ensemble-agent-memory', version: 1, agentName: 'speaker-a', exportedAt: 1, entryCount: 1, totalTokens: 0, entries: [{ role: 'user' }] }));
    const bad = await ensemble('memory', 'import', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('document.entries[0].agentName');
    writeFileSync(file, '{ not json');
    const notJson = await ensemble('memory', 'import', file);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('is not JSON');
    const missing = await ensemble('memory', 'import', join(folder, 'nope.json'));
    expect(missing.code).toBe(2);
    writeFileSync(file, JSON.stringify({ format: 'ensemble-agent-memory', version: 1, agentName: 'speaker-a', exportedAt: 1, entryCount: 0, totalTokens: 0, entries: [] }));
    const unknown = await ensemble('memory', 'import', file, '--agent', 'speaker-zz');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown agent "speaker-zz"');
  });
});
