import type { TaskInput } from '../../core/index.js';
import { createIssuesError } from '../issues-error.js';
import { readIntegerParameter, readListParameter, readOptionalStringParameter, readStringParameter } from '../read-template-parameter.js';
import type { WorkflowTemplate } from '../types.js';

interface FixStrategy {
  readonly name: string;
  readonly agentName: string;
  readonly instruction: string;
}

// Distinct approaches, so parallel attempts do not converge on one patch; attempt N takes the Nth.
const FIX_STRATEGIES: readonly FixStrategy[] = [
  {
    name: 'minimal',
    agentName: 'debugger',
    instruction:
      'Strategy: the smallest correct change. Change as few lines as possible, at the place the analysis names as the root ' +
      'cause, and leave everything around it as it is.',
  },
  {
    name: 'harden',
    agentName: 'developer',
    instruction:
      'Strategy: fix the root cause and guard the broken invariant where bad data or state first enters (validate the ' +
      'input, handle the missing case explicitly), so the same bug cannot come back through another caller.',
  },
  {
    name: 'restructure',
    agentName: 'refactorer',
    instruction:
      'Strategy: restructure the faulty logic so that the wrong case cannot be expressed (a clearer condition, a single ' +
      'source of truth, a type that rules it out), keeping every public signature and the behaviour other callers rely on.',
  },
  {
    name: 'alternative-cause',
    agentName: 'debugger',
    instruction:
      'Strategy: test the runner-up hypothesis. Read the analysis critically; if it lists another plausible cause, or you ' +
      'find one, fix that one. If the main hypothesis is clearly right, fix it at a different layer than the minimal fix would.',
  },
  {
    name: 'caller-side',
    agentName: 'developer',
    instruction:
      'Strategy: fix the bug where the wrong value is produced or the wrong call is made (the caller or the data source), ' +
      'rather than where it finally fails, and check every other caller that shares the wrong assumption.',
  },
];

const DEFAULT_ATTEMPTS = 3;

/**
 * reproduce → analyze → N fix attempts in parallel → select → verify. The attempts only propose
 * unified diffs, since they share one workspace; the selector applies the winner with Edit and
 * Write, and the verifier runs the tests (Bash, under `--permissions full`).
 */
export const bugfixTemplate: WorkflowTemplate = {
  id: 'bugfix',
  name: 'Bug Fix',
  description: 'Reproduces a bug, finds its root cause, tries several fixes in parallel, applies the best one and verifies it with the tests.',
  category: 'quality',
  tags: ['bugfix', 'debugging', 'testing', 'parallel', 'sequential'],
  // reproduce 60 s + analyze 60 s + the attempts side by side 90 s + select 60 s + verify 60 s.
  estimatedDuration: 330,
  complexity: 'complex',
  parameters: {
    bug: { type: 'string', required: true, description: 'The bug: what happens, what should happen instead, and where it shows.' },
    reproduction: { type: 'string', description: 'How to reproduce it: steps, a failing command, an error message or stack trace.' },
    context: { type: 'string', description: 'Where to look: suspected files or modules, recent changes, constraints.' },
    testCommand: { type: 'string', description: "The command that runs the project's tests; found in the project when not given." },
    attempts: { type: 'integer', default: DEFAULT_ATTEMPTS, description: `Fix attempts run in parallel, each with its own strategy (1 to ${FIX_STRATEGIES.length}).` },
    models: { type: 'array', default: [], description: "Models for the attempts in order (tier alias or provider:model); an attempt without one uses the run's model." },
  },
  // Up to five attempts at once; the other steps are one task each.
  config: { maxParallelAgents: FIX_STRATEGIES.length },
  buildTasks(params): TaskInput[] {
    const bug = readStringParameter(params, 'bug');
    const reproduction = readOptionalStringParameter(params, 'reproduction');
    const notes = readOptionalStringParameter(params, 'context');
    const testCommand = readOptionalStringParameter(params, 'testCommand');
    const attempts = readAttempts(params);
    const models = readListParameter(params, 'models');
    if (models.length > attempts) {
      throw createIssuesError('INVALID_INPUT', [{ path: 'parameters.models', message: `${models.length} models given for ${attempts} attempts; give at most one per attempt` }]);
    }
    const brief = [
      `Bug: ${bug}`,
      ...(reproduction === undefined ? [] : [`Reproduction: ${reproduction}`]),
      ...(notes === undefined ? [] : [`Where to look: ${notes}`]),
      ...(testCommand === undefined ? [] : [`Test command: ${testCommand}`]),
    ].join('\n');
    const findTests =
      testCommand === undefined
        ? "Find the project's test command first (the `test` script in package.json, a Makefile target, pyproject.toml or setup.cfg, the CI configuration)."
        : `Use the test command \`${testCommand}\`.`;
    const attemptIds = FIX_STRATEGIES.slice(0, attempts).map((_, index) => `fix-attempt-${index + 1}`);
    const fixAttempts = FIX_STRATEGIES.slice(0, attempts).map((strategy, index): TaskInput => {
      const model = models[index];
      return {
        id: `fix-attempt-${index + 1}`,
        agentName: strategy.agentName,
        description: `Propose a fix (${strategy.name})`,
        prompt:
          `${brief}\n\n${strategy.instruction}\n\n` +
          `You are fix attempt ${index + 1} of ${attempts}; the others work at the same time on the same workspace with other ` +
          'strategies. Read the reproduction and the root-cause analysis, then Read every file you change, around the lines you ' +
          'change, so your patch matches the files exactly. Do not change any file: do not use Write or Edit, and with Bash run ' +
          'only commands that change nothing (the reproduction test on the current code, `git log`, `git blame`). The selector ' +
          'applies the chosen patch, and the others must still see the files as they are.\n\n' +
          'Your output must contain: the strategy in one line; the reproduction test and its command, as the analysis gives ' +
          'them; the root cause you are fixing, citing `path:line`; one unified ' +
          'diff in a ```diff block (paths relative to the workspace root with `a/` and `b/` prefixes, three lines of unchanged ' +
          'context per hunk, new files from `/dev/null`) that leaves the reproduction test as it is; why the reproduction ' +
          'passes with it; and the risks it carries for other callers. Propose exactly one patch, complete and ready to apply.',
        dependencies: ['analyze'],
        priority: 8,
        maxTokens: 12_000,
        estimatedMs: 90_000,
        ...(model === undefined ? {} : { model }),
      };
    });
    return [
      {
        id: 'reproduce',
        agentName: 'tester',
        description: 'Reproduce the bug with a failing test',
        prompt:
          `${brief}\n\n` +
          'Reproduce this bug before anyone tries to fix it. Find the code involved by searching the workspace (Glob, Grep) and ' +
          `reading it (Read), citing \`path:line\`. ${findTests} Write the smallest test that fails because of the bug, beside ` +
          "the project's existing tests and in their framework (Write, or Edit for an existing test file), named after the bug, " +
          'asserting the expected behaviour rather than the current one.\n\n' +
          'Run that test with Bash and report the exact command, its exit code and the failing output. Without Bash (it needs ' +
          '`--permissions full`), say that the test was not run and give the command to run it; never report a failure you did ' +
          'not see. If you cannot write files, put the whole test file in your output instead.\n\n' +
          'Your output must contain: the test file path and test name, the command that runs only that test, expected versus ' +
          'actual behaviour, and whether the failure was observed or only predicted.',
        priority: 10,
        maxTokens: 8000,
        estimatedMs: 60_000,
      },
      {
        id: 'analyze',
        agentName: 'debugger',
        description: 'Find the root cause',
        prompt:
          `${brief}\n\n` +
          'Find the root cause of this bug, starting from the reproduction. Follow the failing path through the code with Grep ' +
          'and Read until you reach the line or the assumption that is wrong, and explain the mechanism: what the code does, ' +
          'why, and which assumption breaks. With Bash you may narrow it down with the reproduction test, `git log -p` or ' +
          '`git blame` on the suspect lines; do not change any file in this step.\n\n' +
          'Your output must contain: the reproduction test (file, name, and the command that runs it) as the reproduction ' +
          'reported it; the root cause as `path:line` with the mechanism in a few sentences; the evidence; any ' +
          'other plausible cause you could not rule out, ranked; every other place that shares the wrong assumption ' +
          '(`path:line`); and constraints a fix must respect (public interfaces, callers, data already stored). Several fix ' +
          'attempts with different strategies will work from this analysis, so be precise and do not propose a patch.',
        dependencies: ['reproduce'],
        priority: 9,
        maxTokens: 8000,
        estimatedMs: 60_000,
      },
      ...fixAttempts,
      {
        id: 'select-fix',
        agentName: 'debugger',
        description: 'Select the best fix and apply it',
        prompt:
          `${brief}\n\n` +
          `Choose one of the ${attempts} proposed patches (${attemptIds.join(', ')}) and apply it, and only it, to the workspace. ` +
          'Judge them by this rule, in order: (1) reject a patch that does not fix the root cause the analysis found, that ' +
          'edits or weakens the reproduction test, or whose context lines do not match the files as Read shows them; (2) among ' +
          'the rest, prefer the one whose reasoning shows the reproduction passes and nothing else breaks; (3) then the one ' +
          'that changes fewer lines and fewer callers\' behaviour; (4) on a tie, the lower attempt number. Do not merge patches.\n\n' +
          'Apply the winner hunk by hunk with Edit (Write for a new file), after reading each file, and Read the changed lines ' +
          `again to check them. With Bash, run the reproduction test; if it still fails, undo your edits exactly and apply the ` +
          'next patch in your ranking, and record each try. Without Bash, say that the choice rests on reading alone. If no ' +
          'patch survives step (1), apply nothing.\n\n' +
          'Your output must contain: one line per attempt with its verdict and reason; a line `Selected: fix-attempt-N` (or ' +
          '`Selected: none`); why it won; the reproduction test and its command; every file you changed; and the diff you applied.',
        dependencies: [...attemptIds],
        priority: 7,
        maxTokens: 16_000,
        estimatedMs: 60_000,
      },
      {
        id: 'verify',
        agentName: 'tester',
        description: 'Verify the fix with the tests',
        prompt:
          `${brief}\n\n` +
          `Verify the fix the selector applied. ${findTests} With Bash, first run \`git status --short\` and \`git diff\` to ` +
          'confirm the workspace holds exactly the selected patch and the reproduction test, then run the reproduction test and ' +
          'then the whole test suite. Report each command exactly, with its exit code, which tests pass and which fail, and the ' +
          'failure output. Without Bash (it needs `--permissions full`), say that no tests were run, give the commands to run, ' +
          'and Read the changed files and the reproduction test to judge whether the fix covers it; never report results you ' +
          'did not see.\n\n' +
          'If the fix misses a case the analysis named, add a test for it with Write or Edit, but do not change the fix itself. ' +
          'End with a verdict line: `Fixed: yes` (the reproduction and the suite pass), `Fixed: no` (with what fails) or ' +
          '`Fixed: unverified` (tests not run), and list the files changed in this run.',
        dependencies: ['select-fix'],
        priority: 6,
        maxTokens: 8000,
        estimatedMs: 60_000,
      },
    ];
  },
};

function readAttempts(params: Readonly<Record<string, unknown>>): number {
  return readIntegerParameter(params, 'attempts', { min: 1, max: FIX_STRATEGIES.length, fallback: DEFAULT_ATTEMPTS });
}
