import type { MeetingType } from '../schema.js';

/** Meetings about the code itself: reviews, debt, security, performance and documentation. */
export const ENGINEERING_MEETINGS: readonly MeetingType[] = [
  {
    id: 'code-review',
    name: 'Code review',
    category: 'engineering',
    purpose: 'Review a change together for correctness, clarity, tests and maintainability, and agree on what must change before it merges.',
    defaultParticipants: ['code-reviewer', 'reviewer', 'developer', 'test-automator'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'findings', instruction: 'Review the change for this topic: list your findings as blocking, should-fix or nit, each with file and reason.' },
      { name: 'discussion', instruction: 'Respond to the other findings: confirm, dispute or downgrade them with reasons; the author explains choices.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt:
      'Give the verdict (approve, approve with changes, or request changes) and summarise the findings the participants agreed on. List the required changes as action items owned by the author or a reviewer.',
  },
  {
    id: 'security-review',
    name: 'Security review and threat modelling',
    category: 'engineering',
    purpose: 'Model the threats to a system or change (assets, entry points, attackers) and agree on mitigations by severity.',
    defaultParticipants: ['security-auditor', 'backend-security-coder', 'frontend-security-coder', 'cloud-architect'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'threats', instruction: 'Identify the threats for this topic from your specialty (think STRIDE): asset, entry point, attacker, impact.' },
      { name: 'severity', instruction: 'Rate the threats raised so far (likelihood and impact) and challenge ratings you disagree with.' },
      { name: 'mitigations', instruction: 'Propose mitigations for the high and critical threats, and what must be fixed before release.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt:
      'Summarise the threat model with each threat\'s severity. Record which risks are accepted, mitigated or must be fixed before release as decisions, and every mitigation as an action item with an owner.',
  },
  {
    id: 'performance-review',
    name: 'Performance review',
    category: 'engineering',
    purpose: 'Find where a system spends its time and resources, and agree on measured optimisations with expected gains.',
    defaultParticipants: ['performance-engineer', 'database-optimizer', 'backend-architect', 'frontend-developer'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'measurements', instruction: 'Say what you measured or would measure for this topic, and where you believe the bottlenecks are, with evidence.' },
      { name: 'optimisations', instruction: 'Propose optimisations for the bottlenecks raised, each with its expected gain and cost, and how to verify it.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: 'Summarise the bottlenecks and the optimisations chosen, in priority order with expected gains. Action items: the measurements and changes, each with an owner.',
  },
  {
    id: 'tech-debt-review',
    name: 'Technical debt review',
    category: 'engineering',
    purpose: 'Inventory technical debt, weigh what it costs the team, and choose what to pay down next.',
    defaultParticipants: ['refactorer', 'code-reviewer', 'developer', 'test-automator'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'inventory', instruction: 'Name the debt you see for this topic, where it lives and what it costs (slower changes, bugs, incidents).' },
      { name: 'prioritisation', instruction: 'Rank the debt raised so far by cost against effort, and propose the first steps to pay it down safely.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: 'Summarise the debt inventory and the agreed priorities. Decisions: what will be paid down now and what is accepted. Action items: refactorings with owners.',
  },
  {
    id: 'documentation-review',
    name: 'Documentation review',
    category: 'engineering',
    purpose: 'Check that the documentation lets its readers succeed (overviews, guides, references) and agree on the gaps to fill.',
    defaultParticipants: ['docs-architect', 'api-documenter', 'developer', 'ux-designer'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'review', instruction: 'Review the documentation for this topic as its intended reader: what is missing, wrong, outdated or hard to follow.' },
      { name: 'plan', instruction: 'Given the other reviews, propose the pages to write or fix, most valuable first.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: 'Summarise the documentation gaps found and the agreed plan; each page to write or fix is an action item with an owner.',
  },
  {
    id: 'accessibility-review',
    name: 'Accessibility review',
    category: 'engineering',
    purpose: 'Review an interface against WCAG 2.2 AA (keyboard, screen readers, contrast, forms) and agree on fixes.',
    defaultParticipants: ['accessibility-auditor', 'ux-designer', 'frontend-developer'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'audit', instruction: 'Audit the interface for this topic: list the barriers you find with the WCAG criterion and who they affect.' },
      { name: 'fixes', instruction: 'Propose fixes for the barriers raised so far, and say which block release.' },
    ],
    facilitator: 'ux-designer',
    facilitatorPrompt: 'Summarise the barriers by severity and the agreed fixes; record release-blocking ones as decisions and each fix as an action item with an owner.',
  },
];
