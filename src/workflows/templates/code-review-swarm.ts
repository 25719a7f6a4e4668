import type { TaskInput } from '../../core/index.js';
import { createIssuesError } from '../issues-error.js';
import { readListParameter, readOptionalStringParameter } from '../read-template-parameter.js';
import { suggestName } from '../suggest-name.js';
import type { WorkflowTemplate } from '../types.js';
import { describeReviewTarget, parseReviewTarget, REVIEW_TARGET_PARAMETERS } from './describe-review-target.js';

interface ReviewerAspect {
  readonly agentName: string;
  readonly description: string;
  readonly priority: number;
  readonly focus: string;
}

// The task id of each reviewer is its aspect name, so findings and the report name the same reviewer.
const REVIEWER_ASPECTS: Readonly<Record<string, ReviewerAspect>> = {
  correctness: {
    agentName: 'code-reviewer',
    description: 'Review correctness',
    priority: 9,
    focus:
      'Review correctness: logic errors, off-by-one and boundary cases, null and empty inputs, error handling and ' +
      'propagation, concurrency and ordering, and behaviour that contradicts names, types or documentation.',
  },
  security: {
    agentName: 'security-auditor',
    description: 'Review security',
    priority: 9,
    focus:
      'Review security with the OWASP Top 10 as a checklist: injection (SQL, shell, path traversal), missing validation, ' +
      'broken authentication or authorization, secrets in code or logs, unsafe deserialization, vulnerable dependencies. ' +
      'Say how each finding could be exploited.',
  },
  'frontend-security': {
    agentName: 'frontend-security-coder',
    description: 'Review client-side security',
    priority: 8,
    focus:
      'Review client-side security: XSS (unsafe HTML, unescaped output), CSRF, tokens in local storage, Content Security ' +
      'Policy, open redirects and third-party scripts.',
  },
  performance: {
    agentName: 'performance-engineer',
    description: 'Review performance',
    priority: 7,
    focus:
      'Review performance: needless work in hot paths, N+1 queries, unbounded memory growth, blocking I/O, missing ' +
      'caching or pagination, and poor complexity at realistic input sizes. Estimate the impact; skip micro-optimizations.',
  },
  database: {
    agentName: 'database-optimizer',
    description: 'Review queries and migrations',
    priority: 7,
    focus:
      'Review the data layer: queries and their indexes, transactions and isolation, schema changes and whether migrations ' +
      'are safe on a live database (locks, backfills, rollback).',
  },
  tests: {
    agentName: 'test-automator',
    description: 'Review the tests',
    priority: 6,
    focus:
      'Review the tests for this code: which behaviours, edge cases and error paths are covered and which are not, whether ' +
      'tests assert outcomes rather than implementation details, and flaky or over-mocked tests. With Bash (`--permissions ' +
      "full`) run the project's test command and cite its exit code and failures; without it, say the tests were not run.",
  },
  maintainability: {
    agentName: 'refactorer',
    description: 'Review maintainability',
    priority: 5,
    focus:
      'Review maintainability: duplication, functions and modules that do too much, unclear names, dead code, loose types, ' +
      'and code that departs from the conventions of the surrounding codebase.',
  },
  architecture: {
    agentName: 'tech-lead',
    description: 'Review architecture',
    priority: 6,
    focus:
      'Review the design: module boundaries and layering, dependencies that point the wrong way, public interfaces and ' +
      'backwards compatibility, and consistency with the decisions recorded in the repository (ADRs, design docs, README).',
  },
  'api-design': {
    agentName: 'backend-architect',
    description: 'Review the API design',
    priority: 6,
    focus:
      'Review the API contracts: request and response shapes, status codes and error bodies, validation at the boundary, ' +
      'idempotency, pagination, versioning and breaking changes for existing clients.',
  },
  documentation: {
    agentName: 'docs-architect',
    description: 'Review documentation',
    priority: 4,
    focus:
      'Review the documentation: public API docs, comments that explain why, README and usage examples, changelog or ' +
      'migration notes for behaviour changes; flag docs that are missing, stale or contradict the code.',
  },
  accessibility: {
    agentName: 'accessibility-auditor',
    description: 'Review accessibility',
    priority: 5,
    focus:
      'Review the user interface against WCAG 2.2 AA: keyboard access and focus order, labels and names for screen readers, ' +
      'contrast, form errors, and motion.',
  },
};

const DEFAULT_REVIEWERS = ['correctness', 'security', 'performance', 'tests', 'maintainability', 'architecture'];

// One block per reviewer in one shape, so the consolidator (or a parser) can merge them.
const FINDINGS_FORMAT =
  'End your output with one ```json block: `{"reviewer": "<your aspect>", "findings": [{"severity": "critical" | ' +
  '"warning" | "suggestion" | "approval", "file": "path", "line": 42, "title": "...", "detail": "...", "fix": "..."}]}`. ' +
  'critical means it must be fixed before merging (a bug, a vulnerability, data loss); warning, it should be fixed; ' +
  'suggestion, an optional improvement or a matter of taste; approval, something done well that should stay. `line` is ' +
  'the line number the Read tool showed you (null only for a whole-file remark); `fix` is empty for an approval. Report ' +
  'only on code you have read; if you could not read something, say so above the block. An empty findings list is a ' +
  'valid answer.';

/** Many specialist reviewers in parallel, their structured findings consolidated into one report. */
export const codeReviewSwarmTemplate: WorkflowTemplate = {
  id: 'code-review-swarm',
  name: 'Code Review Swarm',
  description: 'Runs a swarm of specialist reviewers in parallel and consolidates their findings into critical issues, warnings, suggestions and approvals.',
  category: 'quality',
  tags: ['review', 'quality', 'security', 'parallel', 'swarm'],
  // The default six reviewers side by side (100 s), then the consolidation (60 s).
  estimatedDuration: 160,
  complexity: 'moderate',
  parameters: {
    ...REVIEW_TARGET_PARAMETERS,
    reviewers: {
      type: 'array',
      default: DEFAULT_REVIEWERS,
      description: `Review aspects, one reviewer each: ${Object.keys(REVIEWER_ASPECTS).join(', ')}.`,
    },
    intent: { type: 'string', description: 'What the change is meant to do, so reviewers can judge it against that.' },
  },
  // The default reviewers all at once; more run in a second wave.
  config: { maxParallelAgents: DEFAULT_REVIEWERS.length },
  buildTasks(params): TaskInput[] {
    const target = readOptionalStringParameter(params, 'target') ?? '.';
    const changedFiles = readListParameter(params, 'changedFiles');
    const intent = readOptionalStringParameter(params, 'intent');
    const reviewers = readReviewers(params);
    const scope = [describeReviewTarget(parseReviewTarget(target), changedFiles), ...(intent === undefined ? [] : [`Intent of the change: ${intent}`])].join('\n');
    const reviewTasks = reviewers.map((aspectName): TaskInput => {
      const aspect = REVIEWER_ASPECTS[aspectName]!;
      return {
        id: aspectName,
        agentName: aspect.agentName,
        description: aspect.description,
        prompt:
          `${scope}\n\nYou are the \`${aspectName}\` reviewer in a swarm of ${reviewers.length} (${reviewers.join(', ')}), ` +
          `each with its own aspect; stay within yours. ${aspect.focus}\n\n` +
          'Find the code with Glob and Grep and Read it before you judge it, citing each finding as `path:line`. This is a ' +
          'review: change no files (no Write or Edit, even where you have them) and put each fix in your finding.\n\n' +
          FINDINGS_FORMAT,
        priority: aspect.priority,
        maxTokens: 8000,
        estimatedMs: 100_000,
      };
    });
    return [
      ...reviewTasks,
      {
        id: 'consolidate',
        agentName: 'code-reviewer',
        description: 'Consolidate the findings',
        prompt:
          `${scope}\n\n` +
          `Consolidate the findings of the ${reviewers.length} reviewers (${reviewers.join(', ')}) into one report. Read each ` +
          "reviewer's json block (where one is missing or malformed, use its text), and merge duplicates: findings on the " +
          'same file within a few lines about the same problem become one item that names every reviewer who raised it and ' +
          'keeps the highest severity. Where reviewers contradict each other or a finding looks doubtful, Read the cited ' +
          'lines yourself; drop a finding the code does not bear out, and say so in one line.\n\n' +
          'Write the report in Markdown under exactly these headings: `## Critical`, `## Warnings`, `## Suggestions`, ' +
          '`## Approvals`, each item as `- path:line — problem — fix (reviewers: a, b)`, most important first, and ' +
          '`(none)` under an empty heading. Then `## Coverage`: reviewers that could not read the change or reported ' +
          'nothing. End with `## Verdict`: changes requested if anything is critical, approve with fixes if there are ' +
          'warnings, approve otherwise, naming the items to fix before merging.',
        dependencies: [...reviewers],
        priority: 10,
        maxTokens: 10_000,
        estimatedMs: 60_000,
      },
    ];
  },
};

function readReviewers(params: Readonly<Record<string, unknown>>): string[] {
  const given = Object.hasOwn(params, 'reviewers') && params['reviewers'] !== undefined ? readListParameter(params, 'reviewers') : DEFAULT_REVIEWERS;
  const known = Object.keys(REVIEWER_ASPECTS);
  const reviewers = [...new Set(given.map((name) => name.trim().toLowerCase()))];
  const issues = reviewers
    .filter((name) => !Object.hasOwn(REVIEWER_ASPECTS, name))
    .map((name) => {
      const suggestion = suggestName(name, known);
      const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
      return { path: 'parameters.reviewers', message: `unknown reviewer "${name}"${hint}; known reviewers: ${known.join(', ')}` };
    });
  if (reviewers.length === 0) issues.push({ path: 'parameters.reviewers', message: `at least one reviewer is needed; known reviewers: ${known.join(', ')}` });
  if (issues.length > 0) throw createIssuesError('INVALID_INPUT', issues);
  return reviewers;
}
