import type { MeetingType } from '../schema.js';

/** Meetings that shape what gets built: kickoffs, requirements, ideas and roadmaps. */
export const PRODUCT_MEETINGS: readonly MeetingType[] = [
  {
    id: 'project-kickoff',
    name: 'Project kickoff',
    category: 'product',
    purpose: 'Align everyone on the problem, goals, scope, roles, risks and first milestones of a new project.',
    defaultParticipants: ['product-manager', 'solutions-architect', 'designer', 'developer', 'tester'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'understanding', instruction: 'Say how you understand this topic: the problem, who it is for, what success looks like, and what is unclear to you.' },
      { name: 'approach and risks', instruction: 'Propose how your part would approach it and name the risks and dependencies you see, given what others said.' },
    ],
    facilitator: 'project-manager',
    facilitatorPrompt: 'Summarise goals, scope and approach. Decisions: scope and roles agreed. Action items: first milestones and open questions with owners.',
  },
  {
    id: 'requirements-workshop',
    name: 'Requirements workshop',
    category: 'product',
    purpose: 'Turn a need into numbered requirements with acceptance criteria, and surface open questions early.',
    defaultParticipants: ['analyzer', 'product-manager', 'ux-designer', 'tester'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'needs', instruction: 'For this topic: state the user needs and requirements you see, and the edge cases.' },
      { name: 'acceptance criteria', instruction: 'Given the needs raised, write acceptance criteria you would test against, and list open questions.' },
    ],
    facilitator: 'project-manager',
    facilitatorPrompt: 'List the agreed requirements with acceptance criteria in the summary. Decisions: what is in and out of scope. Action items: open questions with owners.',
  },
  {
    id: 'brainstorming',
    name: 'Brainstorming',
    category: 'product',
    purpose: 'Generate many ideas for a problem, build on each other\'s, and shortlist the most promising.',
    defaultParticipants: ['product-manager', 'ux-designer', 'developer', 'solutions-architect'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'ideas', instruction: 'Give at least three different ideas for this topic, including one unusual one; no criticism yet.' },
      { name: 'building on ideas', instruction: 'Combine or improve the ideas raised so far; say which you find most promising and why.' },
      { name: 'shortlist', instruction: 'Pick your top two ideas, with how to test each cheaply.' },
    ],
    facilitator: 'project-manager',
    facilitatorPrompt: 'Summarise the idea space and the shortlist with reasons. Decisions: which ideas go forward. Action items: experiments with owners.',
  },
  {
    id: 'roadmap-planning',
    name: 'Roadmap planning',
    category: 'product',
    purpose: 'Sequence initiatives over the coming quarters by value, cost and dependencies.',
    defaultParticipants: ['product-manager', 'solutions-architect', 'tech-lead', 'ux-designer'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'candidates', instruction: 'Propose the initiatives you think matter for this topic, with the value each brings and what it costs.' },
      { name: 'sequencing', instruction: 'Order the candidates raised, naming dependencies and what you would drop.' },
    ],
    facilitator: 'project-manager',
    facilitatorPrompt: 'Summarise the roadmap in order with reasons. Decisions: what is in and out of the roadmap. Action items: next steps per initiative with owners.',
  },
];
