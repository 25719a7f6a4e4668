import { describe, expect, it } from 'vitest';
import { toolContext } from '../../test/helpers/tool-workspace.js';
import { escalateTool } from './escalate-tool.js';

const context = toolContext('.');

describe('Escalate tool', () => {
  it('needs only read, and its result carries the request: minutes become ms, options trimmed', async () => {
    expect(escalateTool.permission).toBe('read');
    const input = escalateTool.inputSchema.parse({
      reason: 'Two ways to store sessions',
      triggerType: 'architecture',
      context: 'Read src/session.ts',
      options: [' Redis ', '', 'SQLite'],
      deadlineMinutes: 30,
      defaultAction: 'Use SQLite',
    });
    expect(escalateTool.summarize(input)).toBe('architecture: Two ways to store sessions');
    const result = await escalateTool.execute(input, context);
    expect(result.escalation).toEqual({
      triggerType: 'architecture',
      reason: 'Two ways to store sessions',
      context: 'Read src/session.ts',
      options: ['Redis', 'SQLite'],
      deadlineMs: 1_800_000,
      defaultAction: 'Use SQLite',
    });
    expect(result.output).toContain('Escalated to a person: Two ways to store sessions');
  });

  it('reads the model\'s other spellings and defaults the trigger to ambiguity', async () => {
    const input = escalateTool.inputSchema.parse({ reason: 'Which API?', type: 'security', options: 'keep it\nremove it', deadline_minutes: 1, default_action: 'keep it' });
    expect((await escalateTool.execute(input, context)).escalation).toEqual({
      triggerType: 'security',
      reason: 'Which API?',
      context: '',
      options: ['keep it', 'remove it'],
      deadlineMs: 60_000,
      defaultAction: 'keep it',
    });
    expect((await escalateTool.execute(escalateTool.inputSchema.parse({ reason: 'Which?' }), context)).escalation).toMatchObject({ triggerType: 'ambiguity', options: [] });
  });

  it('refuses an input without a reason or with a deadline that is not positive (the model\'s error, told by the schema)', () => {
    const missing = escalateTool.inputSchema.safeParse({ options: ['a'] });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues[0]?.path).toEqual(['reason']);
    expect(escalateTool.inputSchema.safeParse({ reason: 'x', deadlineMinutes: 0 }).success).toBe(false);
  });
});
