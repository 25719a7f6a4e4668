import type { MeetingType } from '../schema.js';

/** The minutes every technical review ends with; each type adds what it must cover. */
const REVIEW_MINUTES = 'Record each decision with its main reason, and every open risk as an action item with an owner.';

/** Meetings about the shape of a system: its architecture, APIs, data and infrastructure. */
export const ARCHITECTURE_MEETINGS: readonly MeetingType[] = [
  {
    id: 'architecture-review',
    name: 'Architecture review',
    category: 'architecture',
    purpose: 'Examine a proposed or existing architecture for fitness: boundaries, coupling, scaling, failure handling and cost, before the team commits to it.',
    defaultParticipants: ['solutions-architect', 'backend-architect', 'cloud-architect', 'security-auditor', 'performance-engineer'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'opening statements', instruction: 'Give your assessment of the architecture for this topic from your specialty: what holds up, what worries you, and why.' },
      { name: 'discussion', instruction: 'Respond to the other participants: agree, challenge or refine their points with concrete reasons; name the trade-offs.' },
      { name: 'proposals', instruction: 'Propose concrete changes or confirm the design, each with its trade-off, and say which you would decide on now.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: `Summarise where the participants agree and disagree on the architecture. ${REVIEW_MINUTES}`,
  },
  {
    id: 'architecture-decision',
    name: 'Architecture decision (ADR)',
    category: 'architecture',
    purpose: 'Choose between options for one significant technical decision and record it as an architecture decision record.',
    defaultParticipants: ['solutions-architect', 'backend-architect', 'cloud-architect', 'developer'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'options', instruction: 'Lay out the options you see for this decision, including doing nothing, with what each would cost to build and run.' },
      { name: 'trade-offs', instruction: 'Compare the options raised so far against the forces at play (scale, team skills, reversibility, risk); name the one you favour.' },
      { name: 'recommendation', instruction: 'Give your final recommendation and the conditions under which it should be revisited.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt:
      'Write the decision as an ADR: context, the options considered, the decision and its consequences. List the decision itself under decisions, and follow-ups (spikes, migrations, documentation) as action items with owners.',
  },
  {
    id: 'design-review',
    name: 'Design review',
    category: 'architecture',
    purpose: 'Review the design of a component or feature (interfaces, data flow, states and user-facing behaviour) before it is built.',
    defaultParticipants: ['designer', 'ux-designer', 'frontend-developer', 'backend-architect', 'accessibility-auditor'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'first impressions', instruction: 'Review the design for this topic from your specialty: what is clear, what is missing, what will be hard to build or use.' },
      { name: 'discussion', instruction: 'Build on or challenge the earlier remarks; resolve conflicts between usability, accessibility and implementation cost.' },
      { name: 'changes', instruction: 'List the changes you ask for before the design is accepted, most important first.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: `Summarise the design's strengths and the requested changes, and say whether the design is accepted, accepted with changes, or sent back. ${REVIEW_MINUTES}`,
  },
  {
    id: 'api-design-review',
    name: 'API design review',
    category: 'architecture',
    purpose: 'Agree on an API contract (resources, operations, errors, versioning and documentation) with its producers and its consumers.',
    defaultParticipants: ['backend-architect', 'api-documenter', 'frontend-developer', 'mobile-developer', 'backend-security-coder'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'review', instruction: 'Review the API for this topic as its producer or consumer: naming, shapes, errors, pagination, versioning, security.' },
      { name: 'contract', instruction: 'Respond to the other reviews and propose the contract details you want changed, with example requests and responses.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: `Summarise the agreed contract and the open questions; list breaking changes separately. ${REVIEW_MINUTES}`,
  },
  {
    id: 'data-model-review',
    name: 'Data model review',
    category: 'architecture',
    purpose: 'Review schemas, indexes, data flows and migrations for correctness, performance and safe evolution.',
    defaultParticipants: ['database-optimizer', 'data-engineer', 'backend-architect', 'security-auditor'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'review', instruction: 'Review the data model for this topic: integrity, access patterns and indexes, growth, retention and privacy.' },
      { name: 'migration plan', instruction: 'Given the other reviews, propose the schema changes and a safe, reversible migration order.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: `Summarise the agreed model and migration plan, with the risks to data it carries. ${REVIEW_MINUTES}`,
  },
  {
    id: 'infrastructure-review',
    name: 'Infrastructure review',
    category: 'architecture',
    purpose: 'Review cloud infrastructure (networking, compute, identity, cost and resilience) and the way it is deployed.',
    defaultParticipants: ['cloud-architect', 'deployment-engineer', 'devops-troubleshooter', 'security-auditor'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'assessment', instruction: 'Assess the infrastructure for this topic from your specialty: resilience, security, cost, operability.' },
      { name: 'discussion', instruction: 'Respond to the other assessments and agree on what matters most.' },
      { name: 'plan', instruction: 'Propose the changes, in order, with their expected effect on cost and risk.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: `Summarise the infrastructure's state and the agreed plan. ${REVIEW_MINUTES}`,
  },
];
