/** The task types the router knows; `hybrid` is the one that needs explicit phases. */
export const TASK_TYPES = ['code_review', 'documentation', 'testing', 'refactoring', 'feature', 'bugfix', 'optimization', 'hybrid'] as const;
/** One of {@link TASK_TYPES}. */
export type TaskType = (typeof TASK_TYPES)[number];

/** How a routed plan runs: all agents at once (then a consolidation), a chain, or phases in order with parallel work inside each. */
export const ROUTE_MODES = ['parallel', 'sequential', 'hybrid'] as const;
/** One of {@link ROUTE_MODES}. */
export type RouteMode = (typeof ROUTE_MODES)[number];

/** One role of a route: the task id it gets, the catalogue agent that plays it, and what it is told to do. */
export interface RouteRole {
  /** Task id, unique within the route. */
  readonly step: string;
  readonly agentName: string;
  /** Short description of the task, for listings and the live view. */
  readonly title: string;
  /** The part of the work this role does: what to read, run and change. */
  readonly instruction: string;
}

/** How the router plans one task type (every type but `hybrid`). */
export interface TaskRoute {
  readonly mode: 'parallel' | 'sequential';
  /** The kind of work, in one phrase, for prompts and listings. */
  readonly work: string;
  /** Parallel: the agents working at once; sequential: the chain, in order. */
  readonly roles: readonly RouteRole[];
  /** Parallel only: the step that merges the parallel outputs (left out with `consolidate: false`). */
  readonly consolidation?: RouteRole;
  /** What every agent of this type is told about tools and evidence. */
  readonly rules: string;
}

const REVIEW_RULES =
  'This is a review: change no files (no Write or Edit, even where you have them). Find the code with Glob and Grep and ' +
  'Read it before you judge it; cite each finding as `path:line` (the line number Read showed you) with a severity ' +
  '(critical, warning, suggestion) and a concrete fix. Report only on code you have read, and say what you could not read.';

/** What every agent of a route without its own rules (and every hybrid phase) is told about tools and evidence. */
export const EVIDENCE_RULES =
  'Read the code before you judge or change it (Glob, Grep, Read) and cite it as `path:line`. Change files only with Edit ' +
  '(Write for new ones) and only where your part says so. Run commands with Bash only if you have it (it needs ' +
  '`--permissions full`), quote each command with its exit code and the output that matters, and without Bash say what ' +
  'you could not run; never report results you did not see.';

/**
 * The default plan of each task type. Parallel types run their roles side by side on the same
 * description, then one consolidation; sequential types run their roles as a chain, each step
 * depending on the one before:
 *
 * - `code_review` (parallel): code-quality (code-reviewer), security (security-auditor),
 *   performance (performance-engineer) → consolidate (code-reviewer)
 * - `documentation` (parallel): api-reference (api-documenter), guides (docs-architect) →
 *   consolidate (docs-architect)
 * - `testing` (parallel): unit-tests (tester), integration-tests (test-automator) →
 *   run-tests (tester)
 * - `refactoring` (parallel): smells (refactorer), architecture (tech-lead), safety-net
 *   (test-automator) → apply (refactorer)
 * - `feature` (sequential): analyze (analyzer) → design (designer) → implement (developer) →
 *   test (tester) → review (reviewer)
 * - `bugfix` (sequential): reproduce (tester) → diagnose (debugger) → fix (developer) →
 *   verify (tester)
 * - `optimization` (sequential): measure (test-automator) → analyze (performance-engineer) →
 *   optimize (developer) → verify (test-automator)
 */
export const TASK_ROUTES: Readonly<Record<Exclude<TaskType, 'hybrid'>, TaskRoute>> = {
  code_review: {
    mode: 'parallel',
    work: 'a code review',
    rules: REVIEW_RULES,
    roles: [
      {
        step: 'code-quality',
        agentName: 'code-reviewer',
        title: 'Review correctness and maintainability',
        instruction:
          'Review correctness and maintainability: logic errors, unhandled edge cases, error handling, naming, duplication, ' +
          'dead code, loose types, and code that departs from the conventions of the surrounding codebase.',
      },
      {
        step: 'security',
        agentName: 'security-auditor',
        title: 'Review security',
        instruction:
          'Review security with the OWASP Top 10 as a checklist: injection (SQL, shell, path traversal), missing input ' +
          'validation, broken authentication or authorization, secrets in code or logs, unsafe deserialization, vulnerable ' +
          'dependencies. Say how each finding could be exploited.',
      },
      {
        step: 'performance',
        agentName: 'performance-engineer',
        title: 'Review performance',
        instruction:
          'Review performance: needless work in hot paths, N+1 queries, unbounded memory growth, blocking I/O, missing caching ' +
          'or pagination, and poor complexity at realistic input sizes. Estimate the impact; skip micro-optimizations.',
      },
    ],
    consolidation: {
      step: 'consolidate',
      agentName: 'code-reviewer',
      title: 'Consolidate the review',
      instruction:
        'Merge the reviews into one: the same problem seen twice is one item naming every reviewer who raised it, with the ' +
        'highest severity. Where reviewers disagree or a finding looks doubtful, Read the cited lines yourself and drop what ' +
        'the code does not bear out. Group the result under Critical, Warnings, Suggestions and Approvals, each item as ' +
        '`path:line` with its fix, and end with a verdict: approve, approve with fixes, or request changes.',
    },
  },
  documentation: {
    mode: 'parallel',
    work: 'documentation work',
    rules:
      'Document what the code does, not what it should do: Glob, Grep and Read the code and its existing docs before you ' +
      'write. Write only documentation files (Write for new ones, Edit for existing ones), only those your part names, since ' +
      'the other writers work at the same time; never change source code. Check every example against the code it uses.',
    roles: [
      {
        step: 'api-reference',
        agentName: 'api-documenter',
        title: 'Document the API',
        instruction:
          'Write the reference documentation of the public interface this concerns: every exported function, class, endpoint ' +
          'or command with its parameters, return values, errors and a short working example. Put it in the API reference ' +
          'files (docs/api/ or where the project keeps them) and in doc comments only if the project documents that way.',
      },
      {
        step: 'guides',
        agentName: 'docs-architect',
        title: 'Write the guides',
        instruction:
          'Write the narrative documentation: the README section or guide a new user follows (installation, a first ' +
          'working example, configuration), and the architecture notes a maintainer needs (what the parts are and why). ' +
          'Link to the API reference rather than repeating it.',
      },
    ],
    consolidation: {
      step: 'consolidate',
      agentName: 'docs-architect',
      title: 'Make the documentation consistent',
      instruction:
        'Read what the writers created or changed (their outputs list the files) and make it one consistent set: the same ' +
        'names and terms everywhere, no contradictions with each other or with the code (Read the code where they differ), ' +
        'links between the guides and the reference, and an entry in the docs index or README. Fix what you find with Edit, ' +
        'and end with the list of documentation files and what each covers.',
    },
  },
  testing: {
    mode: 'parallel',
    work: 'testing work',
    rules:
      'Read the code under test before you test it. Several writers add tests at the same time: create only new test files ' +
      'for your kind of test, with Write, beside the existing tests and in their framework; do not edit the code under test ' +
      'or shared test configuration. With Bash (under `--permissions full`), run your new files and fix your tests until ' +
      'they pass or fail for a real bug; without it, say that you did not run them. Never report results you did not see.',
    roles: [
      {
        step: 'unit-tests',
        agentName: 'tester',
        title: 'Write unit tests',
        instruction:
          'Write unit tests: behaviour through the public interface of each function or module, boundary values, empty and ' +
          'invalid input, thrown errors and their messages, and every branch. Fast and independent tests, no network and no ' +
          'real clock; fake only what is slow or non-deterministic.',
      },
      {
        step: 'integration-tests',
        agentName: 'test-automator',
        title: 'Write integration tests',
        instruction:
          'Write integration tests: modules working together through their real boundaries (a temporary database, HTTP ' +
          'handlers called in process, files under a temporary folder), the main success paths and a failure at each ' +
          'boundary, each test setting up and tearing down its own data.',
      },
    ],
    consolidation: {
      step: 'run-tests',
      agentName: 'tester',
      title: 'Run the suite and report',
      instruction:
        "Run the project's whole test suite with the new tests (find the command in package.json, a Makefile, pyproject.toml " +
        'or the CI configuration) and report: the command, its exit code, the counts of passed, failed and skipped tests, and ' +
        'the failures. A new test that is wrong (a bad import, a wrong path) you may fix with Edit; a test that fails because ' +
        'the code is wrong stays failing and is reported with `path:line`, expected and actual. Never edit the code under test.',
    },
  },
  refactoring: {
    mode: 'parallel',
    work: 'a refactoring that must not change behaviour',
    rules: EVIDENCE_RULES,
    roles: [
      {
        step: 'smells',
        agentName: 'refactorer',
        title: 'Propose refactorings',
        instruction:
          'Find what makes this code hard to change: duplication, long functions, deep nesting, unclear names, hidden state, ' +
          'loose types. Propose refactorings as small, separate steps, each with the `path:line` it touches and the change in ' +
          'a few lines or a short diff. Change no files: the apply step makes the changes.',
      },
      {
        step: 'architecture',
        agentName: 'tech-lead',
        title: 'Review module boundaries',
        instruction:
          'Look at the structure around this code: module boundaries, dependencies that point the wrong way, public ' +
          'interfaces other code relies on. Say which refactorings are worth their risk, in what order, and which interfaces ' +
          'must not change. Change no files.',
      },
      {
        step: 'safety-net',
        agentName: 'test-automator',
        title: 'Pin the current behaviour with tests',
        instruction:
          'Find the tests that cover this code and the behaviour they leave unpinned. Write characterization tests for that ' +
          'behaviour in new test files (Write), run them with Bash so they pass on the current code, and give the command that ' +
          'runs them. Do not change any existing file.',
      },
    ],
    consolidation: {
      step: 'apply',
      agentName: 'refactorer',
      title: 'Apply the refactoring',
      instruction:
        'Apply the proposed refactorings that the architecture review supports, one small step at a time with Edit (Read ' +
        'each file first), keeping every public interface and all behaviour; keep each step small enough to check by ' +
        'reading it again. If you can run commands (Bash, under `--permissions full`), run the characterization tests and ' +
        'the project suite after the steps and undo a step that breaks them; if you cannot, give the exact commands and ' +
        'call the result unverified. End with every file you changed and each refactoring applied or skipped, and why.',
    },
  },
  feature: {
    mode: 'sequential',
    work: 'a new feature',
    rules: EVIDENCE_RULES,
    roles: [
      {
        step: 'analyze',
        agentName: 'analyzer',
        title: 'Analyze the request',
        instruction:
          'Analyze the request before anything is designed: find the code it touches (Glob, Grep, Read), and write the ' +
          'requirements, acceptance criteria, edge cases and open questions, with the code involved as `path:line`. Change no files.',
      },
      {
        step: 'design',
        agentName: 'designer',
        title: 'Design the implementation',
        instruction:
          'Design the implementation from the analysis and the code: the files, types and functions to add or change, the ' +
          'interfaces with their signatures, error handling, and an ordered implementation plan. Change no files.',
      },
      {
        step: 'implement',
        agentName: 'developer',
        title: 'Implement it',
        instruction:
          'Implement the design: Read each file before you change it, change it with Edit, create files with Write; complete ' +
          'code in the conventions of the codebase, no placeholders. List every file you created or changed.',
      },
      {
        step: 'test',
        agentName: 'tester',
        title: 'Test it',
        instruction:
          "Write tests for each acceptance criterion beside the project's tests (Write or Edit), run the test command with " +
          'Bash, and report it with its exit code and failures.',
      },
      {
        step: 'review',
        agentName: 'reviewer',
        title: 'Review the change',
        instruction:
          'Review the whole change: Read every file the earlier steps list as created or changed, check it against the ' +
          'acceptance criteria, and list problems as `path:line` with fixes, ending with a verdict. Change no files.',
      },
    ],
  },
  bugfix: {
    mode: 'sequential',
    work: 'a bug fix',
    rules: EVIDENCE_RULES,
    roles: [
      {
        step: 'reproduce',
        agentName: 'tester',
        title: 'Reproduce the bug',
        instruction:
          'Reproduce the bug before anyone fixes it: find the code involved, write the smallest test that fails because of ' +
          'the bug (Write, beside the existing tests), run it with Bash, and report the command and the failure you saw.',
      },
      {
        step: 'diagnose',
        agentName: 'debugger',
        title: 'Find the root cause',
        instruction:
          'Find the root cause: follow the failing path from the reproduction through the code (Grep, Read), and name the ' +
          'line and the broken assumption as `path:line`, with the evidence and every other place sharing it. Change no files.',
      },
      {
        step: 'fix',
        agentName: 'developer',
        title: 'Fix it',
        instruction:
          'Fix the root cause the diagnosis names with the smallest correct change (Read, then Edit), without weakening the ' +
          'reproduction test. List every file you changed and why the reproduction now passes.',
      },
      {
        step: 'verify',
        agentName: 'tester',
        title: 'Verify the fix',
        instruction:
          'Verify the fix: with Bash run the reproduction test and then the whole suite, and report each command with its exit ' +
          'code. End with `Fixed: yes`, `Fixed: no` (with what fails) or `Fixed: unverified` (tests not run).',
      },
    ],
  },
  optimization: {
    mode: 'sequential',
    work: 'a performance optimization',
    rules: EVIDENCE_RULES,
    roles: [
      {
        step: 'measure',
        agentName: 'test-automator',
        title: 'Measure the baseline',
        instruction:
          'Measure the baseline: find or write (Write, in a new file) a repeatable benchmark of the slow path, run it with ' +
          'Bash several times after a warm-up, and report the command, the raw numbers, the median and the spread. Never invent numbers.',
      },
      {
        step: 'analyze',
        agentName: 'performance-engineer',
        title: 'Find the hot spots',
        instruction:
          'Find the hot spots from the baseline and the code (Grep, Read): each as `path:line`, why it is slow, the fix, and ' +
          'the expected gain, ranked by gain per effort. Change no files.',
      },
      {
        step: 'optimize',
        agentName: 'developer',
        title: 'Implement the top fixes',
        instruction:
          'Implement the top fixes from the analysis as small, separate changes with Edit, preserving behaviour exactly; do not ' +
          'touch the benchmark. List each fix with its files and expected gain.',
      },
      {
        step: 'verify',
        agentName: 'test-automator',
        title: 'Re-measure and compare',
        instruction:
          'Run the same benchmark exactly as the baseline did, and the test suite, with Bash; report before and after with the ' +
          'change in percent, calling a change within the spread noise. Change no files.',
      },
    ],
  },
};
