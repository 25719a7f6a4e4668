import { createRandom } from '../../core/index.js';
import type { ReadFileLine } from './explore-workspace.js';

// Placeholders in a reviewer's voice: the simulated runtime quotes real lines but does not analyse them.
const REMARKS = [
  'check the error path around this line',
  'confirm the inputs reaching this line are validated',
  'a test should cover the behaviour defined here',
  'the name and the comment here should say why, not what',
  'look for callers that depend on this shape before changing it',
] as const;

/**
 * The section of a simulated answer that names the workspace lines it read: `path:line` with the
 * line quoted and a placeholder remark, saying plainly that no analysis was done. Empty when no
 * file was read (no read tools, an empty or unreadable workspace).
 */
export function composeWorkspaceFindings(lines: readonly ReadFileLine[], seed: number): string {
  if (lines.length === 0) return '';
  const random = createRandom(seed);
  return [
    '',
    '## Workspace files read (simulated)',
    '',
    'Read with the Glob and Read tools; the remarks are placeholders, not analysis.',
    '',
    ...lines.map(({ path, line, text }) => `- ${path}:${line}: \`${text.replace(/`/g, "'")}\` — ${REMARKS[Math.floor(random() * REMARKS.length)] ?? REMARKS[0]}`),
    '',
  ].join('\n');
}
