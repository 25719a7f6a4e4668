import { describe, expect, it } from 'vitest';
import { parseMeetingMinutes } from './parse-meeting-minutes.js';

describe('parseMeetingMinutes', () => {
  it('reads the requested Markdown sections, with owners and due dates of action items', () => {
    const minutes = parseMeetingMinutes(
      [
        '## Summary',
        'The team agreed to split the monolith along billing.',
        'Security asked for mTLS.',
        '',
        '## Decisions',
        '- Split billing out first',
        '- Use mTLS between services',
        '',
        '## Action items',
        '- backend-architect: draft the billing service API (due: Friday)',
        '- [security-auditor] review the mTLS rollout',
        '- **cloud-architect** — size the new cluster',
        '- Write the migration runbook (owner: deployment-engineer)',
        '- Update the diagrams',
      ].join('\n'),
    );
    expect(minutes).toEqual({
      summary: 'The team agreed to split the monolith along billing.\nSecurity asked for mTLS.',
      decisions: ['Split billing out first', 'Use mTLS between services'],
      actionItems: [
        { owner: 'backend-architect', action: 'draft the billing service API', due: 'Friday' },
        { owner: 'security-auditor', action: 'review the mTLS rollout' },
        { owner: 'cloud-architect', action: 'size the new cluster' },
        { owner: 'deployment-engineer', action: 'Write the migration runbook' },
        { action: 'Update the diagrams' },
      ],
      format: 'sections',
    });
  });

  it('tolerates the usual variants: bold labels, inline labels, numbered lists, other names, "none" and checkboxes', () => {
    const minutes = parseMeetingMinutes(
      [
        'Here are the minutes.',
        '',
        '**Summary:** Short meeting; nothing contentious.',
        '',
        '### Key decisions',
        '1. Keep PostgreSQL',
        '2) Add a read replica',
        '   in eu-west-1',
        '',
        'Next steps:',
        '* [ ] @database-optimizer: benchmark the replica',
        '',
      ].join('\n'),
    );
    expect(minutes.summary).toBe('Short meeting; nothing contentious.');
    expect(minutes.decisions).toEqual(['Keep PostgreSQL', 'Add a read replica in eu-west-1']);
    expect(minutes.actionItems).toEqual([{ owner: 'database-optimizer', action: 'benchmark the replica' }]);
    expect(parseMeetingMinutes('## Summary\nQuiet.\n## Decisions\n- none\n## Action items\n- None.').decisions).toEqual([]);
    expect(parseMeetingMinutes('## Summary\nQuiet.\n## Decisions\n- none\n## Action items\n- None.').actionItems).toEqual([]);
  });

  it('takes the text before the first section as the summary when there is no Summary heading', () => {
    expect(parseMeetingMinutes('We talked.\n\nDecisions: ship it')).toMatchObject({ summary: 'We talked.', decisions: ['ship it'], format: 'sections' });
  });

  it('reads JSON minutes, whole or in a fenced block', () => {
    const json = { summary: 'Agreed.', decisions: ['A', { decision: 'B' }], actionItems: [{ action: 'do x', owner: 'tester', due: 'Monday' }, 'reviewer: do y'] };
    const fenced = parseMeetingMinutes(`Minutes follow.\n\n\`\`\`json\n${JSON.stringify(json, null, 2)}\n\`\`\`\n`);
    expect(fenced).toEqual({
      summary: 'Agreed.',
      decisions: ['A', 'B'],
      actionItems: [
        { action: 'do x', owner: 'tester', due: 'Monday' },
        { action: 'do y', owner: 'reviewer' },
      ],
      format: 'json',
    });
    expect(parseMeetingMinutes(JSON.stringify(json)).format).toBe('json');
  });

  it('takes a reply in neither format whole as the summary', () => {
    const reply = '[simulated output]\n\n# Scrum Master: minutes\n\nEverything went fine.';
    expect(parseMeetingMinutes(reply)).toEqual({ summary: reply, decisions: [], actionItems: [], format: 'text' });
    // A JSON object without any minutes field is not minutes.
    expect(parseMeetingMinutes('{"verdict": "ok"}').format).toBe('text');
  });

  it('does not mistake prose or list items that mention a section for a heading', () => {
    const minutes = parseMeetingMinutes('## Summary\nThe summary of the decisions was short.\n- Decisions: none were taken here');
    expect(minutes.summary).toBe('The summary of the decisions was short.\n- Decisions: none were taken here');
    expect(minutes.decisions).toEqual([]);
  });
});
