import { describe, expect, it } from 'vitest';
import type { LeaseGuard } from '../core/index.js';
import { rejection } from '../../test/helpers/rejection.js';
import { requestLeaseTool } from './request-lease-tool.js';
import type { ToolContext } from './workspace-tool.js';

/** A guard holding `held`; `src/shared/**` belongs to another task. */
function guard(held: string[]): LeaseGuard & { readonly asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    checkWrite: async (paths) => (paths.every((path) => held.includes(path)) ? { ok: true } : { ok: false, message: 'not held' }),
    async request(patterns) {
      asked.push([...patterns]);
      if (patterns.some((pattern) => pattern.startsWith('src/shared'))) return { ok: false, message: 'src/shared/** is held by task T-2', holder: 'T-2' };
      held.push(...patterns);
      return { ok: true };
    },
    held: () => held,
  };
}

const contextWith = (leases?: LeaseGuard): ToolContext => ({ workspaceDir: '/work/space', signal: new AbortController().signal, ...(leases === undefined ? {} : { leases }) });
const call = (input: unknown, context: ToolContext) => requestLeaseTool.execute(requestLeaseTool.inputSchema.parse(input), context);

describe('RequestLease tool', () => {
  it('asks the guard for workspace-relative patterns and answers with what the task now holds', async () => {
    const leases = guard(['src/a.ts']);
    const result = await call({ paths: ['./src/b.ts', '/work/space/src/c/**', 'src/b.ts'] }, contextWith(leases));
    expect(leases.asked).toEqual([['src/b.ts', 'src/c/**']]);
    expect(result.output).toBe('granted: src/b.ts, src/c/**. You now hold: src/a.ts, src/b.ts, src/c/**');
    expect(requestLeaseTool.summarize(requestLeaseTool.inputSchema.parse({ path: 'x.ts' }))).toBe('x.ts');
  });

  it('turns a refusal into TOOL_REFUSED naming the holder and what to do', async () => {
    const error = await rejection(call({ paths: ['src/shared/util.ts'] }, contextWith(guard([]))));
    expect(error.code).toBe('TOOL_REFUSED');
    expect(error.message).toBe('lease refused: src/shared/** is held by task T-2; work on other files, ask again later, or escalate with the Escalate tool');
    expect(error.details).toMatchObject({ holder: 'T-2' });
  });

  it('refuses paths leading out of the workspace, and every call when the task has no leases', async () => {
    const leases = guard([]);
    expect((await rejection(call({ paths: ['../x'] }, contextWith(leases)))).message).toContain('outside the workspace');
    expect((await rejection(call({ paths: ['/etc/passwd'] }, contextWith(leases)))).message).toContain('outside the workspace');
    expect(leases.asked).toEqual([]);
    expect((await rejection(call({ paths: ['a'] }, contextWith()))).message).toContain('works without file leases');
    expect(requestLeaseTool.inputSchema.safeParse({ paths: [] }).success).toBe(false);
  });
});
