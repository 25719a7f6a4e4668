import type { MeetingType } from '../schema.js';

/** Meetings about quality: how a system is tested and which bugs are fixed first. */
export const QUALITY_MEETINGS: readonly MeetingType[] = [
  {
    id: 'test-strategy-review',
    name: 'Test strategy review',
    category: 'quality',
    purpose: 'Agree on how a system is tested: levels, coverage of risks, environments, data and CI gates.',
    defaultParticipants: ['tester', 'test-automator', 'developer', 'performance-engineer'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'risks and gaps', instruction: 'For this topic: name the risks that tests must cover and the gaps in today\'s tests.' },
      { name: 'strategy', instruction: 'Propose the test levels, tools and CI gates that cover the risks raised, with effort.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: 'Summarise the agreed test strategy and the gaps. Action items: tests and CI changes to add, with owners.',
  },
  {
    id: 'bug-triage',
    name: 'Bug triage',
    category: 'quality',
    purpose: 'Sort incoming bug reports by severity and priority, and decide who investigates which.',
    defaultParticipants: ['tester', 'debugger', 'developer', 'product-manager'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'assessment', instruction: 'For this bug: assess severity, reproducibility, affected users and a likely area of the code.' },
      { name: 'priority', instruction: 'Given the assessments, propose a priority and who should investigate; flag duplicates.' },
    ],
    facilitator: 'project-manager',
    facilitatorPrompt: 'List each bug with its agreed severity and priority in the summary. Decisions: priorities and what will not be fixed. Action items: investigations with owners.',
  },
];
