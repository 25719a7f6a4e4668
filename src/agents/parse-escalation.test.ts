import { describe, expect, it } from 'vitest';
import { parseEscalation, toEscalatedError } from './parse-escalation.js';

describe('parseEscalation', () => {
  it('leaves an output without a block alone', () => {
    expect(parseEscalation('All done.\n')).toEqual({ problems: [] });
  });

  it('reads attributes, option lines (- and 1.) and free text as context, entities decoded', () => {
    const output = [
      'I looked at the auth module.',
      '<ESCALATE reason="Drop the &quot;legacy&quot; table?" type=\'data\' deadline-minutes="45" default="Keep it &amp; move on">',
      '- Drop it now',
      '2. Keep it &lt;for now&gt;',
      'The migration would delete 3 years of rows.',
      '</ESCALATE>',
    ].join('\n');
    expect(parseEscalation(output)).toEqual({
      escalation: {
        triggerType: 'data',
        reason: 'Drop the "legacy" table?',
        context: 'The migration would delete 3 years of rows.',
        options: ['Drop it now', 'Keep it &lt;for now&gt;'],
        deadlineMs: 2_700_000,
        defaultAction: 'Keep it & move on',
      },
      problems: [],
    });
  });

  it('uses the output around the block as context when the block has none, in any case, and defaults the type', () => {
    expect(parseEscalation('Tried two designs.\n<escalate Reason="Which one?">\n1) A\n1) B\n</Escalate >')).toEqual({
      escalation: { triggerType: 'ambiguity', reason: 'Which one?', context: 'Tried two designs.', options: ['A', 'B'] },
      problems: [],
    });
  });

  it('reports a block without a reason, a bad deadline or a closing tag, and skips blocks in code fences', () => {
    expect(parseEscalation('<ESCALATE type="x">\n- a\n</ESCALATE>')).toEqual({ problems: ['escalation 1: missing reason="…" (one line: what you cannot decide alone); ignored'] });
    expect(parseEscalation('<ESCALATE reason="r" deadline-minutes="soon"></ESCALATE>').problems).toEqual(['escalation 1: deadline-minutes="soon" is not a positive number of minutes; ignored']);
    expect(parseEscalation('<ESCALATE reason="r">\n- a').problems).toEqual(['escalation 1: <ESCALATE> without a closing </ESCALATE>; ignored']);
    expect(parseEscalation('Use it like this:\n```\n<ESCALATE reason="r"></ESCALATE>\n```\n')).toEqual({ problems: [] });
    // A bad first block does not hide a good second one.
    expect(parseEscalation('<ESCALATE></ESCALATE>\n<ESCALATE reason="second"></ESCALATE>').escalation?.reason).toBe('second');
  });
});

describe('toEscalatedError', () => {
  it('is AGENT_ESCALATED, not retryable, with the request as details', () => {
    const error = toEscalatedError('coder', { triggerType: 'security', reason: 'Store the key?', context: '', options: ['no'] });
    expect(error.code).toBe('AGENT_ESCALATED');
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('agent coder escalated to a person (security): Store the key?');
    expect(error.details).toEqual({ triggerType: 'security', reason: 'Store the key?', context: '', options: ['no'] });
  });
});
