import type { z } from 'zod';
import type { InputIssue } from '../core/index.js';
import { formatIssuePath, toInputIssues } from '../core/index.js';
import { suggestName } from './suggest-name.js';

/** The fields allowed at a path (relative to the parsed value), for "did you mean" hints. */
export type KnownFieldsAt = (path: readonly PropertyKey[]) => readonly string[];

/**
 * Core's `toInputIssues`, plus a "did you mean" on unknown fields and the real reason for a
 * rejected record key (zod reports only "Invalid key in record").
 */
export function toWorkflowIssues(error: z.ZodError, prefix: string, knownFieldsAt: KnownFieldsAt): InputIssue[] {
  const basic = toInputIssues(error, prefix);
  return error.issues.map((issue, index) => {
    const converted = basic[index] ?? { path: formatIssuePath(prefix, issue.path), message: issue.message };
    if (issue.code === 'unrecognized_keys') {
      const known = knownFieldsAt(issue.path);
      const hints = issue.keys.flatMap((key) => {
        const suggestion = suggestName(key, known);
        if (suggestion === undefined) return [];
        return [issue.keys.length === 1 ? `"${suggestion}"` : `"${suggestion}" for "${key}"`];
      });
      return hints.length === 0 ? converted : { ...converted, message: `${converted.message} (did you mean ${hints.join(', ')}?)` };
    }
    if (issue.code === 'invalid_key') {
      const reason = issue.issues[0]?.message;
      return reason === undefined ? converted : { ...converted, message: `invalid name: ${reason}` };
    }
    return converted;
  });
}
