import type { ReviewSeverity } from './schema.js';

// The words reviewers (people, models, review tools) use for each group, normalised to lower case
// with single spaces. "high/medium/low" follow security scales (CVSS: critical and high must be
// fixed); "major/minor" follow code-review tools.
const SEVERITY_WORDS: Readonly<Record<string, ReviewSeverity>> = {
  critical: 'critical',
  criticals: 'critical',
  blocker: 'critical',
  blockers: 'critical',
  blocking: 'critical',
  'must fix': 'critical',
  'must-fix': 'critical',
  severe: 'critical',
  high: 'critical',
  error: 'critical',
  errors: 'critical',
  p0: 'critical',
  p1: 'critical',
  warning: 'warning',
  warnings: 'warning',
  warn: 'warning',
  major: 'warning',
  medium: 'warning',
  moderate: 'warning',
  important: 'warning',
  'should fix': 'warning',
  'should-fix': 'warning',
  p2: 'warning',
  suggestion: 'suggestion',
  suggestions: 'suggestion',
  minor: 'suggestion',
  low: 'suggestion',
  nit: 'suggestion',
  nits: 'suggestion',
  nitpick: 'suggestion',
  nitpicks: 'suggestion',
  optional: 'suggestion',
  improvement: 'suggestion',
  improvements: 'suggestion',
  'nice to have': 'suggestion',
  consider: 'suggestion',
  info: 'suggestion',
  p3: 'suggestion',
  approval: 'approval',
  approvals: 'approval',
  approve: 'approval',
  approved: 'approval',
  lgtm: 'approval',
  praise: 'approval',
  positive: 'approval',
  positives: 'approval',
  strength: 'approval',
  strengths: 'approval',
  good: 'approval',
  'looks good': 'approval',
  'well done': 'approval',
  "what's good": 'approval',
  'what is good': 'approval',
  kudos: 'approval',
};

/** The severity a word or short phrase names (`Critical`, `nit`, `LGTM`, `must fix`), or undefined. */
export function toSeverity(word: string): ReviewSeverity | undefined {
  const key = word
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/[^a-z0-9' -]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return Object.hasOwn(SEVERITY_WORDS, key) ? SEVERITY_WORDS[key] : undefined;
}

/**
 * The severity named by the words of a heading (`Critical issues (2)`, `🟡 Warnings`,
 * `Approvals / strengths`) when the heading is only a group title: severity words plus filler
 * such as "issues" or a count. `Critical: SQL injection` is not a group title (it names a finding).
 */
export function toSectionSeverity(heading: string): ReviewSeverity | undefined {
  const words = heading
    .toLowerCase()
    .replace(/[’`]/g, "'")
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(' ')
    .filter((word) => word !== '');
  let severity: ReviewSeverity | undefined;
  for (let index = 0; index < words.length; index++) {
    const pair = index + 1 < words.length ? toSeverity(`${words[index]!} ${words[index + 1]!}`) : undefined;
    const found = pair ?? toSeverity(words[index]!);
    if (pair !== undefined) index++;
    if (found !== undefined) {
      severity ??= found;
      continue;
    }
    // Counts ("Warnings (3)") and filler ("Critical issues") may stand beside the severity.
    if (!/^\d+$/.test(words[index]!) && !SECTION_FILLER.has(words[index]!)) return undefined;
  }
  return severity;
}

// Words a group heading may carry besides the severity ("Critical issues", "Minor findings (3)").
const SECTION_FILLER = new Set([
  'issue',
  'issues',
  'finding',
  'findings',
  'problem',
  'problems',
  'item',
  'items',
  'note',
  'notes',
  'comment',
  'comments',
  'concern',
  'concerns',
  'remark',
  'remarks',
  'point',
  'points',
  'change',
  'changes',
  'severity',
  'priority',
  'and',
  'or',
  'to',
  'fix',
  'fixes',
  'the',
  'none',
]);
