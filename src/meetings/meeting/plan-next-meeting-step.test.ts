import { describe, expect, it } from 'vitest';
import { meetingPlanSchema, type MeetingPlan } from '../schema.js';
import { listMeetingSteps } from './meeting-steps.js';
import { planNextMeetingStep, type MeetingDecision, type MeetingProgress } from './plan-next-meeting-step.js';

function plan(overrides: Partial<MeetingPlan> = {}): MeetingPlan {
  return meetingPlanSchema.parse({
    typeId: 'architecture-review',
    typeName: 'Architecture review',
    purpose: 'Review the architecture.',
    title: 'Orders service',
    topics: ['Service boundaries', 'Data consistency'],
    participants: ['alice', 'bob'],
    facilitator: 'chair',
    speakingOrder: 'parallel',
    rounds: [
      { name: 'opening statements', instruction: 'Open.' },
      { name: 'discussion', instruction: 'Discuss.' },
    ],
    facilitatorPrompt: 'List decisions and action items.',
    ...overrides,
  });
}

class Progress implements MeetingProgress {
  readonly added = new Set<string>();
  readonly outputs = new Map<string, string>();
  readonly failed = new Set<string>();
  /** Applies an `add` decision and has every added task answer `said by <id>`. */
  runStep(decision: MeetingDecision, answer = (taskId: string) => `said by ${taskId}`): void {
    if (decision.kind !== 'add') throw new Error(`expected an add, got ${decision.kind}`);
    for (const task of decision.tasks) {
      this.added.add(task.id);
      this.outputs.set(task.id, answer(task.id));
    }
  }
}

describe('planNextMeetingStep', () => {
  it('grows a parallel meeting round by round and topic by topic, each prompt carrying what was said before it', () => {
    const meeting = plan();
    const steps = listMeetingSteps(meeting);
    expect(steps.map((step) => step.taskIds)).toEqual([
      ['topic-1.round-1.alice', 'topic-1.round-1.bob'],
      ['topic-1.round-2.alice', 'topic-1.round-2.bob'],
      ['topic-1.minutes'],
      ['topic-2.round-1.alice', 'topic-2.round-1.bob'],
      ['topic-2.round-2.alice', 'topic-2.round-2.bob'],
      ['topic-2.minutes'],
    ]);
    const progress = new Progress();

    const first = planNextMeetingStep(meeting, steps, progress);
    expect(first).toMatchObject({ kind: 'add', step: { index: 0 } });
    const firstTasks = first.kind === 'add' ? first.tasks : [];
    expect(firstTasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['topic-1.round-1.alice', 'alice', undefined],
      ['topic-1.round-1.bob', 'bob', undefined],
    ]);
    expect(firstTasks[0]!.prompt).toContain('You are alice, taking part in a meeting: Architecture review, "Orders service".');
    expect(firstTasks[0]!.prompt).toContain('## Current topic (1 of 2): Service boundaries');
    expect(firstTasks[0]!.prompt).toContain('Nobody has spoken on this topic yet.');
    expect(firstTasks[0]!.prompt).toContain('## Your turn: round 1 of 2, opening statements\n\nOpen.');
    progress.runStep(first, (taskId) => (taskId.endsWith('alice') ? 'Split by domain.' : 'Keep one database for now.'));

    const second = planNextMeetingStep(meeting, steps, progress);
    const secondPrompt = second.kind === 'add' ? second.tasks[1]!.prompt : '';
    expect(secondPrompt).toContain('### Round 1: opening statements\n\n**alice:**\n\nSplit by domain.\n\n**bob:**\n\nKeep one database for now.');
    expect(secondPrompt).toContain('## Your turn: round 2 of 2, discussion\n\nDiscuss.');
    progress.runStep(second);

    const minutes = planNextMeetingStep(meeting, steps, progress);
    expect(minutes).toMatchObject({ kind: 'add', tasks: [{ id: 'topic-1.minutes', agentName: 'chair' }] });
    const minutesPrompt = minutes.kind === 'add' ? minutes.tasks[0]!.prompt : '';
    expect(minutesPrompt).toContain('**bob:**\n\nKeep one database for now.');
    expect(minutesPrompt).toContain('**alice:**\n\nsaid by topic-1.round-2.alice');
    expect(minutesPrompt).toContain('List decisions and action items.');
    expect(minutesPrompt).toContain('## Action items');
    progress.runStep(minutes, () => '## Summary\nSplit agreed.\n## Decisions\n- Split billing\n## Action items\n- alice: draft the API');

    const secondTopic = planNextMeetingStep(meeting, steps, progress);
    const secondTopicPrompt = secondTopic.kind === 'add' ? secondTopic.tasks[0]!.prompt : '';
    expect(secondTopicPrompt).toContain('## Earlier topics of this meeting (their minutes)\n\n### Topic 1: Service boundaries\n\n#### Summary\n\nSplit agreed.');
    expect(secondTopicPrompt).toContain('- alice: draft the API');
    // Earlier topics come as minutes, not as their whole transcript.
    expect(secondTopicPrompt).not.toContain('Keep one database for now.');
    expect(secondTopicPrompt).toContain('## Current topic (2 of 2): Data consistency');
    progress.runStep(secondTopic);
    progress.runStep(planNextMeetingStep(meeting, steps, progress));
    progress.runStep(planNextMeetingStep(meeting, steps, progress));
    expect(planNextMeetingStep(meeting, steps, progress)).toEqual({ kind: 'done' });
  });

  it('waits for the step under way, and stalls on a task that ended without success', () => {
    const meeting = plan();
    const steps = listMeetingSteps(meeting);
    const progress = new Progress();
    const first = planNextMeetingStep(meeting, steps, progress);
    if (first.kind !== 'add') throw new Error('expected an add');
    for (const task of first.tasks) progress.added.add(task.id);
    expect(planNextMeetingStep(meeting, steps, progress)).toEqual({ kind: 'wait' });
    progress.outputs.set('topic-1.round-1.alice', 'hello');
    expect(planNextMeetingStep(meeting, steps, progress)).toEqual({ kind: 'wait' });
    progress.failed.add('topic-1.round-1.bob');
    expect(planNextMeetingStep(meeting, steps, progress)).toEqual({ kind: 'stalled', taskIds: ['topic-1.round-1.bob'] });
  });

  it('lets sequential speakers hear the round so far, one step per speaker', () => {
    const meeting = plan({ speakingOrder: 'sequential', topics: ['Status'], participants: ['alice', 'bob', 'carol'], rounds: [{ name: 'updates', instruction: 'Update.' }] });
    const steps = listMeetingSteps(meeting);
    expect(steps.map((step) => step.taskIds)).toEqual([['topic-1.round-1.alice'], ['topic-1.round-1.bob'], ['topic-1.round-1.carol'], ['topic-1.minutes']]);
    const progress = new Progress();
    progress.runStep(planNextMeetingStep(meeting, steps, progress), () => 'alice finished the login page');
    const bob = planNextMeetingStep(meeting, steps, progress);
    expect(bob.kind === 'add' ? bob.tasks[0]!.prompt : '').toContain('### Round 1: updates (this round, so far)\n\n**alice:**\n\nalice finished the login page');
    progress.runStep(bob, () => 'bob is blocked on the API');
    const carol = planNextMeetingStep(meeting, steps, progress);
    expect(carol.kind === 'add' ? carol.tasks[0]!.prompt : '').toMatch(/alice finished the login page[\s\S]*bob is blocked on the API/);
  });

  it('completes a step that was added only in part, adding just the missing tasks', () => {
    const meeting = plan();
    const steps = listMeetingSteps(meeting);
    const progress = new Progress();
    progress.added.add('topic-1.round-1.alice');
    expect(planNextMeetingStep(meeting, steps, progress)).toMatchObject({ kind: 'add', tasks: [{ id: 'topic-1.round-1.bob' }] });
  });

  it('gives each task the plan\'s timeout and a description naming topic and round', () => {
    const meeting = plan({ timeoutMs: 90_000 });
    const decision = planNextMeetingStep(meeting, listMeetingSteps(meeting), new Progress());
    expect(decision).toMatchObject({ kind: 'add', tasks: [{ timeoutMs: 90_000, description: 'Service boundaries · opening statements' }, { timeoutMs: 90_000 }] });
  });
});
