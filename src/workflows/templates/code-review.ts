import { z } from 'zod';
import type { TaskInput } from '../../core/index.js';
import { defineWorkflowTemplate } from '../define-workflow-template.js';
import { optionalText } from './parameter-fields.js';
import { describeReviewTarget, parseReviewTarget, REVIEW_TARGET_SHAPE } from './describe-review-target.js';

const REVIEWER_IDS = ['code-quality', 'security', 'performance', 'test-coverage', 'documentation'];

const DEPTH_INSTRUCTIONS = {
  quick: 'This is a quick review: report only blocking problems and skip style remarks.',
  standard: 'This is a standard review: report blocking problems and clear improvements, briefly.',
  thorough: 'This is a thorough review: read every changed line and report minor issues too, ranked by severity.',
} as const;
const DEPTHS = ['quick', 'standard', 'thorough'] as const;

/** Five specialist reviews in parallel, then one summary with a verdict. */
export const codeReviewTemplate = defineWorkflowTemplate({
  id: 'code-review',
  name: 'Code Review',
  description: 'Reviews code for quality, security, performance, test coverage and documentation in parallel, then consolidates one verdict.',
  category: 'quality',
  tags: ['review', 'quality', 'security', 'performance', 'parallel'],
  // Reviewers run side by side (100 s), then the summary (50 s).
  estimatedDuration: 150,
  complexity: 'moderate',
  parameterSchema: z.strictObject({
    ...REVIEW_TARGET_SHAPE,
    prUrl: optionalText('The pull request under review, if any (its URL, or its number with the repository).', 1000),
    reviewDepth: z.enum(DEPTHS).default('thorough').describe('quick (blocking problems only), standard, or thorough (every changed line, minor issues too).'),
  }),
  // All five reviewers at once; the summary waits for them.
  config: { maxParallelAgents: 5 },
  buildTasks({ target, changedFiles, prUrl, reviewDepth }): TaskInput[] {
    const scope = [
      describeReviewTarget(parseReviewTarget(target), changedFiles),
      ...(prUrl === undefined ? [] : [`Pull request: ${prUrl}`]),
      DEPTH_INSTRUCTIONS[reviewDepth],
    ].join('\n');
    const findingsFormat =
      'Report each finding as `path:line` (the line number the Read tool showed you), a severity (critical, warning, suggestion), ' +
      'what is wrong and a concrete fix. Report only on code you have read; if you could not read something, say so. ' +
      'Also note what is done well, so the summary can approve it.';
    const reviewer = (id: string, agentName: string, description: string, priority: number, focus: string): TaskInput => ({
      id,
      agentName,
      description,
      prompt: `${scope}\n\n${focus}\n\n${findingsFormat}`,
      priority,
      maxTokens: 8000,
      estimatedMs: 100_000,
    });
    return [
      reviewer('code-quality', 'code-reviewer', 'Review code quality', 8,
        'Review the code for correctness and maintainability: logic errors, unhandled edge cases, error handling, naming, ' +
        'duplication, dead code, and functions or modules that do too much. Check that the code follows the conventions of the ' +
        'surrounding codebase and that types are precise rather than loose.'),
      reviewer('security', 'security-auditor', 'Review security', 9,
        'Audit the code for security problems: injection (SQL, shell, path traversal), missing input validation, broken ' +
        'authentication or authorization, secrets in code or logs, unsafe deserialization, and vulnerable dependencies. Use the ' +
        'OWASP Top 10 as a checklist and explain how each finding could be exploited.'),
      reviewer('performance', 'performance-engineer', 'Review performance', 7,
        'Review the code for performance problems: needless work in hot paths, N+1 queries, unbounded memory growth, blocking ' +
        'I/O, missing caching or pagination, and algorithms with poor complexity for realistic input sizes. Estimate the impact ' +
        'of each finding rather than flagging micro-optimizations.'),
      reviewer('test-coverage', 'test-automator', 'Review test coverage', 6,
        'Review the tests that cover this code: which behaviours, edge cases and error paths are tested and which are not, ' +
        'whether tests assert outcomes rather than implementation details, and whether any are flaky or over-mocked. Propose ' +
        'the specific missing test cases, most valuable first.'),
      reviewer('documentation', 'docs-architect', 'Review documentation', 5,
        'Review the documentation of this code: public API docs, comments that explain why rather than what, README and usage ' +
        'examples, and changelog or migration notes for behaviour changes. Flag documentation that is missing, out of date, ' +
        'or contradicts the code.'),
      {
        id: 'review-summary',
        agentName: 'code-reviewer',
        description: 'Consolidate the review',
        prompt:
          `${scope}\n\n` +
          'Consolidate the five reviews (code quality, security, performance, test coverage, documentation) into one review. ' +
          'Merge duplicate findings (the same problem seen by two reviewers is one item naming both) and resolve ' +
          'contradictions between reviewers. Where reviewers disagree or a finding looks doubtful, Read the cited lines ' +
          'yourself before you keep it, and drop a finding the code does not bear out. This is a review: change no files.\n\n' +
          'Group the result under Critical issues, Warnings, Suggestions and Approvals, each finding with its `path:line` and ' +
          'the fix, and say which parts of the target no reviewer could read. Finish with a verdict: approve, approve with ' +
          'comments, or request changes, naming the items that must be fixed before merging.',
        dependencies: [...REVIEWER_IDS],
        priority: 10,
        maxTokens: 8000,
        estimatedMs: 50_000,
      },
    ];
  },
});
