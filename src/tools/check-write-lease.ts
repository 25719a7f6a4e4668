import { EnsembleError } from '../core/index.js';
import type { ToolContext } from './workspace-tool.js';

/** What a refused write tells the model to do next. */
export const LEASE_HINT = 'ask for it with the RequestLease tool or escalate with the Escalate tool';

/**
 * Checks, before a tool touches `path` (workspace-relative, `/` separators), that the task holds a
 * lease on it. Without leases (`context.leases` absent) every path passes. A refusal is journaled as
 * `lease:refused` and thrown as `TOOL_REFUSED`: the guard's message and what to do, for the model.
 * @throws EnsembleError `TOOL_REFUSED`
 */
export async function checkWriteLease(context: ToolContext, tool: string, path: string): Promise<void> {
  const check = await context.leases?.checkWrite([path]);
  if (check === undefined || check.ok) return;
  context.reportEvent?.('lease:refused', { tool, path, ...(check.holder === undefined ? {} : { holder: check.holder }) });
  throw new EnsembleError('TOOL_REFUSED', `${JSON.stringify(path)} is not written: ${check.message}; ${LEASE_HINT}`, {
    details: { path, ...(check.holder === undefined ? {} : { holder: check.holder }) },
  });
}
