import { z } from 'zod';
import type { TaskInput } from '../../core/index.js';
import { defineWorkflowTemplate } from '../define-workflow-template.js';
import { FINDINGS_CONSOLIDATOR, REPORT_FORMATS } from '../review-findings/index.js';
import { optionalText } from './parameter-fields.js';
import { describeReviewTarget, parseReviewTarget, REVIEW_TARGET_SHAPE } from './describe-review-target.js';

interface ReviewerAspect {
  readonly agentName: string;
  readonly description: string;
  readonly priority: number;
  readonly focus: string;
}

// The task id of each reviewer is its aspect name, so findings and the report name the same reviewer.
const REVIEWER_ASPECTS = {
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
} as const satisfies Readonly<Record<string, ReviewerAspect>>;

type AspectName = keyof typeof REVIEWER_ASPECTS;
const ASPECT_NAMES = Object.keys(REVIEWER_ASPECTS) as [AspectName, ...AspectName[]];
const DEFAULT_REVIEWERS: readonly AspectName[] = ['correctness', 'security', 'performance', 'tests', 'maintainability', 'architecture'];

// One block per reviewer in the shape of the review findings schema, so the consolidator merges
// them; an `llm` reviewer is also asked for it as structured output (`responseFormat`).
const FINDINGS_FORMAT =
  'End your output with one ```json block: `{"findings": [{"severity": "critical" | "warning" | "suggestion" | ' +
  '"approval", "title": "...", "file": "path", "line": 42, "endLine": null, "detail": "...", "recommendation": "...", ' +
  '"category": "..."}]}`. critical means it must be fixed before merging (a bug, a vulnerability, data loss); warning, ' +
  'it should be fixed; suggestion, an optional improvement or a matter of taste; approval, something done well that ' +
  'should stay. `line` is the line number the Read tool showed you (null only for a whole-file remark), `endLine` the ' +
  'last line of a range (else null), `recommendation` the fix (null for an approval). Report only on code you have ' +
  'read; if you could not read something, say so above the block. An empty findings list is a valid answer.';

/**
 * Many specialist reviewers in parallel, each answering with structured findings; the built-in
 * `findings-consolidator` (deterministic, no model) merges them into one report: critical,
 * warnings, suggestions, approvals, each finding naming its reviewers, file and line.
 */
export const codeReviewSwarmTemplate = defineWorkflowTemplate({
  id: 'code-review-swarm',
  name: 'Code Review Swarm',
  description: 'Runs a swarm of specialist reviewers in parallel and consolidates their findings into critical issues, warnings, suggestions and approvals.',
  category: 'quality',
  tags: ['review', 'quality', 'security', 'parallel', 'swarm'],
  // The default six reviewers side by side (100 s), then the consolidation, which reads and merges (1 s).
  estimatedDuration: 101,
  complexity: 'moderate',
  parameterSchema: z.strictObject({
    ...REVIEW_TARGET_SHAPE,
    reviewers: z
      .array(z.enum(ASPECT_NAMES))
      .min(1, `at least one reviewer is needed; known reviewers: ${ASPECT_NAMES.join(', ')}`)
      .default(() => [...DEFAULT_REVIEWERS])
      .describe(`Review aspects, one reviewer each: ${ASPECT_NAMES.join(', ')}.`),
    intent: optionalText('What the change is meant to do, so reviewers can judge it against that.'),
    format: z.enum(REPORT_FORMATS).default('markdown').describe('The report: markdown (for people) or json (for programs); `ensemble run --format` sets it.'),
  }),
  // The default reviewers all at once; more run in a second wave.
  config: { maxParallelAgents: DEFAULT_REVIEWERS.length },
  buildTasks({ target, changedFiles, reviewers: listedReviewers, intent, format }): TaskInput[] {
    // In the order given, each aspect once.
    const reviewers = [...new Set(listedReviewers)];
    const scope = [describeReviewTarget(parseReviewTarget(target), changedFiles), ...(intent === undefined ? [] : [`Intent of the change: ${intent}`])].join('\n');
    const reviewTasks = reviewers.map((aspectName): TaskInput => {
      const aspect: ReviewerAspect = REVIEWER_ASPECTS[aspectName];
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
        responseFormat: 'review-findings',
      };
    });
    return [
      ...reviewTasks,
      {
        id: 'consolidate',
        agentName: FINDINGS_CONSOLIDATOR,
        description: 'Consolidate the findings',
        // The consolidator reads its dependencies' outputs and `context.format`; the prompt says the same to any agent put in its place.
        prompt:
          `${scope}\n\n` +
          `Consolidate the findings of the ${reviewers.length} reviewers (${reviewers.join(', ')}), the outputs of the tasks ` +
          'this one depends on, into one report. Findings about the same issue in the same file within a few lines become one ' +
          'that keeps the highest severity and names every reviewer who reported it. Group them as critical, warnings, ' +
          `suggestions and approvals, each with its reviewers, file and line, and answer in ${format === 'json' ? 'JSON' : 'Markdown'}.`,
        dependencies: [...reviewers],
        // A reviewer that fails is listed as not heard; the others' findings are still consolidated.
        dependencyMode: 'any-succeeded',
        context: { format },
        priority: 10,
        estimatedMs: 1000,
      },
    ];
  },
});
