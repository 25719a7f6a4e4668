import type { MeetingType } from '../schema.js';

/** Meetings about running systems: incidents, on-call and pipelines. */
export const OPERATIONS_MEETINGS: readonly MeetingType[] = [
  {
    id: 'incident-postmortem',
    name: 'Incident postmortem',
    category: 'operations',
    purpose: 'Reconstruct an incident blamelessly (timeline, impact, root causes) and agree on actions that prevent a repeat.',
    defaultParticipants: ['devops-troubleshooter', 'backend-architect', 'deployment-engineer', 'database-optimizer'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'timeline', instruction: 'From what you know of this topic, give the timeline: detection, escalation, mitigation, resolution, with times where known.' },
      { name: 'root causes', instruction: 'Given the timeline so far, name the contributing causes (technical and process), asking "why" until you reach a fixable one.' },
      { name: 'prevention', instruction: 'Propose actions that prevent a repeat or shorten detection and recovery; say which matter most.' },
    ],
    facilitator: 'incident-responder',
    facilitatorPrompt:
      'Write a blameless postmortem summary: impact, timeline, root causes and what went well. Decisions: agreed changes. Action items: preventive actions with owners and due dates.',
  },
  {
    id: 'incident-triage',
    name: 'Incident triage',
    category: 'operations',
    purpose: 'During an ongoing incident: agree on severity, the most likely causes and the next mitigation steps.',
    defaultParticipants: ['devops-troubleshooter', 'backend-architect', 'deployment-engineer'],
    speakingOrder: 'sequential',
    rounds: [
      { name: 'status', instruction: 'State what you see for this topic: symptoms, affected users, recent changes and your best hypothesis.' },
      { name: 'next steps', instruction: 'Propose the next mitigation step and who does it; prefer reversible steps.' },
    ],
    facilitator: 'incident-responder',
    facilitatorPrompt: 'State the severity, current hypothesis and the mitigation chosen. Action items: each next step with an owner; include who communicates with users.',
  },
  {
    id: 'operations-review',
    name: 'Operations review',
    category: 'operations',
    purpose: 'Review service health (SLOs, alerts, on-call load and toil) and agree on reliability work.',
    defaultParticipants: ['devops-troubleshooter', 'incident-responder', 'deployment-engineer', 'cloud-architect'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'health', instruction: 'Report on this topic: SLOs met or missed, noisy or missing alerts, on-call load and toil.' },
      { name: 'reliability work', instruction: 'Propose the reliability work that would help most, given the reports.' },
    ],
    facilitator: 'project-manager',
    facilitatorPrompt: 'Summarise service health and the agreed reliability work. Action items: alert, runbook and automation changes with owners.',
  },
  {
    id: 'data-pipeline-review',
    name: 'Data pipeline review',
    category: 'operations',
    purpose: 'Review data pipelines for correctness, idempotency, data quality checks and observability.',
    defaultParticipants: ['data-engineer', 'database-optimizer', 'devops-troubleshooter'],
    speakingOrder: 'parallel',
    rounds: [
      { name: 'review', instruction: 'Review the pipeline for this topic: inputs, transformations, failure and retry behaviour, quality checks, monitoring.' },
      { name: 'improvements', instruction: 'Propose improvements to the issues raised, with how each will be verified.' },
    ],
    facilitator: 'tech-lead',
    facilitatorPrompt: 'Summarise the pipeline issues and the agreed improvements; each is an action item with an owner.',
  },
];
