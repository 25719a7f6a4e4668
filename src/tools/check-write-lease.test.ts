import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActivityEventType, LeaseGuard } from '../core/index.js';
import { rejection } from '../../test/helpers/rejection.js';
import { editTool } from './edit-tool.js';
import type { ToolContext } from './workspace-tool.js';
import { writeTool } from './write-tool.js';

let workspace: string;
beforeEach(() => {
  workspace = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-write-lease-')));
});
afterEach(() => rmSync(workspace, { recursive: true, force: true }));

/** Holds `src/mine.ts`; `src/theirs.ts` is T-9's; anything else is nobody's. */
const leases: LeaseGuard = {
  async checkWrite([path = '']) {
    if (path === 'src/mine.ts') return { ok: true };
    return path === 'src/theirs.ts' ? { ok: false, message: `${path} is leased by T-9`, path, holder: 'T-9' } : { ok: false, message: `you hold no lease on ${path}`, path };
  },
  request: async () => ({ ok: true }),
  held: () => ['src/mine.ts'],
};

function leasedContext(events: { type: ActivityEventType; payload: unknown }[]): ToolContext {
  return { workspaceDir: workspace, signal: new AbortController().signal, leases, reportEvent: (type, payload) => void events.push({ type, payload }) };
}

describe('Write and Edit under file leases', () => {
  it('write a held path as usual', async () => {
    const events: { type: ActivityEventType; payload: unknown }[] = [];
    await writeTool.execute({ file_path: 'src/mine.ts', content: 'a\n' }, leasedContext(events));
    await editTool.execute({ file_path: './src/mine.ts', old_string: 'a', new_string: 'b' }, leasedContext(events));
    expect(readFileSync(join(workspace, 'src', 'mine.ts'), 'utf8')).toBe('b\n');
    expect(events).toEqual([]);
  });

  it('refuse a path the task does not hold before touching it: TOOL_REFUSED with the guard\'s message and the hint, and a lease:refused event', async () => {
    const events: { type: ActivityEventType; payload: unknown }[] = [];
    const refused = await rejection(writeTool.execute({ file_path: 'src/other.ts', content: 'x' }, leasedContext(events)));
    expect(refused.code).toBe('TOOL_REFUSED');
    expect(refused.message).toBe('"src/other.ts" is not written: you hold no lease on src/other.ts; ask for it with the RequestLease tool or escalate with the Escalate tool');
    expect(existsSync(join(workspace, 'src'))).toBe(false);
    writeFileSync(join(workspace, 'theirs.txt'), 'keep');
    const held = await rejection(editTool.execute({ file_path: join(workspace, 'src', 'theirs.ts'), old_string: '', new_string: 'x' }, leasedContext(events)));
    expect(held.message).toContain('src/theirs.ts is leased by T-9');
    expect(held.details).toMatchObject({ path: 'src/theirs.ts', holder: 'T-9' });
    expect(existsSync(join(workspace, 'src', 'theirs.ts'))).toBe(false);
    expect(events).toEqual([
      { type: 'lease:refused', payload: { tool: 'Write', path: 'src/other.ts' } },
      { type: 'lease:refused', payload: { tool: 'Edit', path: 'src/theirs.ts', holder: 'T-9' } },
    ]);
  });
});
