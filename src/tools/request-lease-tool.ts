import { isAbsolute, relative, sep } from 'node:path';
import { z } from 'zod';
import { EnsembleError } from '../core/index.js';
import { toSummaryLine } from './to-summary-line.js';
import type { ToolContext, WorkspaceTool } from './workspace-tool.js';

/** The tool's name. */
export const REQUEST_LEASE_TOOL_NAME = 'RequestLease';

/** The paths or globs a RequestLease call asks for, once read. */
export interface RequestLeaseInput {
  readonly paths: readonly string[];
}

/** The most patterns one call may ask for (a model listing a whole tree should ask for a glob). */
const MAX_PATTERNS = 50;

// Tolerant: `paths` as a list or one string, or `path`; unknown keys are ignored.
const requestLeaseInputSchema = z
  .looseObject({ paths: z.union([z.array(z.string()), z.string()]).optional(), path: z.string().optional() })
  .transform((input, context): RequestLeaseInput => {
    const given = typeof input.paths === 'string' ? [input.paths] : (input.paths ?? (input.path === undefined ? [] : [input.path]));
    const paths = [...new Set(given.map((path) => path.trim()).filter((path) => path !== ''))];
    if (paths.length === 0) context.addIssue({ code: 'custom', path: ['paths'], message: 'required: the workspace paths or globs (src/api/**) you need to write' });
    if (paths.length > MAX_PATTERNS) context.addIssue({ code: 'custom', path: ['paths'], message: `at most ${MAX_PATTERNS}; ask for a glob (src/api/**) instead` });
    return { paths };
  });

const REQUEST_LEASE_JSON_SCHEMA: Readonly<Record<string, unknown>> = {
  type: 'object',
  properties: {
    paths: { type: 'array', items: { type: 'string' }, description: 'Workspace-relative paths or globs you need to write (src/api/user.ts, src/api/**)' },
  },
  required: ['paths'],
  additionalProperties: false,
};

/**
 * `RequestLease`: asks for leases on more paths or globs while the task works under file leases
 * (`locks` mode), through `ToolContext.leases`. Granted unless another task holds an overlapping
 * one; a refusal (naming the holder) is the call's error, so the model can work elsewhere, ask
 * later, or escalate. Offered only to attempts that have leases.
 */
export const requestLeaseTool: WorkspaceTool<RequestLeaseInput> = {
  name: REQUEST_LEASE_TOOL_NAME,
  permission: 'edit',
  description: [
    'Asks for write leases on more files while you work under file leases: Write, Edit and Bash may change only the files you hold.',
    'Give workspace-relative paths or globs (src/api/**). Granted unless another task holds an overlapping lease; then the answer names it:',
    'work on other files, ask again later, or escalate with the Escalate tool.',
  ].join(' '),
  inputSchema: requestLeaseInputSchema,
  inputJsonSchema: REQUEST_LEASE_JSON_SCHEMA,
  summarize: (input) => toSummaryLine(input.paths.join(', ')),
  async execute(input, context) {
    const { leases } = context;
    if (leases === undefined) throw new EnsembleError('TOOL_REFUSED', 'RequestLease: this task works without file leases; you may write any file of the workspace');
    const patterns: string[] = [];
    for (const path of input.paths) {
      const pattern = toWorkspacePattern(context, path);
      if (pattern === undefined) throw new EnsembleError('TOOL_REFUSED', `${JSON.stringify(path)} is outside the workspace; give a path relative to it`, { details: { path } });
      if (!patterns.includes(pattern)) patterns.push(pattern);
    }
    const result = await leases.request(patterns);
    if (!result.ok) {
      throw new EnsembleError('TOOL_REFUSED', `lease refused: ${result.message}; work on other files, ask again later, or escalate with the Escalate tool`, {
        details: { paths: patterns, ...(result.holder === undefined ? {} : { holder: result.holder }) },
      });
    }
    return { output: `granted: ${patterns.join(', ')}. You now hold: ${leases.held().join(', ')}` };
  },
};

/** `path` as a workspace-relative POSIX pattern (`./a` → `a`, an absolute path inside the workspace made relative), or undefined when it leads out. */
function toWorkspacePattern(context: ToolContext, path: string): string | undefined {
  let pattern = path.replace(/\\/g, '/');
  if (isAbsolute(path)) {
    const inside = relative(context.workspaceDir, path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
    pattern = inside.split(sep).join('/');
  }
  while (pattern.startsWith('./')) pattern = pattern.slice(2);
  if (pattern === '' || pattern.split('/').includes('..')) return undefined;
  return pattern;
}
