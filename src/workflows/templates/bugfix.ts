import { z } from 'zod';
import { isEnsembleError, type TaskInput } from '../../core/index.js';
import { DEFAULT_VERIFY_TIMEOUT_MS, FIX_SELECTOR_AGENT, parseCommandLine, type FixSelectionSettingsInput } from '../../codebase/index.js';
import { PROVIDER_NAMES } from '../../config/index.js';
import { defineWorkflowTemplate } from '../define-workflow-template.js';
import { optionalText, requiredText, textList } from './parameter-fields.js';

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
/** The tier of the attempts' agents (debugger, developer, refactorer), used with a provider given alone. */
const ATTEMPT_TIER = 'sonnet';
/** Time the judge may take on top of the verification runs, in ms: one model answer with a few reads. */
const JUDGE_ALLOWANCE_MS = 900_000;
/** The label {@link parseCommandLine} starts its messages with; the parameter check adds the path itself. */
const COMMAND_LABEL = 'verifyCommand';

/**
 * reproduce → analyze → N fix attempts in parallel → select → verify. Each attempt works in a
 * private copy of the workspace (`isolation: worktree`: a git worktree with the user's uncommitted
 * and untracked files, or a copied folder), so attempts edit and test freely and their changes
 * are kept as patches. The selector (`fix-selector`) runs the verification command on each patch
 * in a fresh copy; the ones it passes with win, the smallest first, and a judge agent decides when
 * the command cannot; only the winner is applied to the workspace. The verifier then runs the tests.
 */
export const bugfixTemplate = defineWorkflowTemplate({
  id: 'bugfix',
  name: 'Bug Fix',
  description:
    'Reproduces a bug, finds its root cause, tries several fixes in parallel in private copies of the workspace, applies the one the tests pass with (a judge decides otherwise) and verifies it.',
  category: 'quality',
  tags: ['bugfix', 'debugging', 'testing', 'parallel', 'sequential', 'worktree'],
  // reproduce 60 s + analyze 60 s + the attempts side by side 90 s + select 60 s + verify 60 s.
  estimatedDuration: 330,
  complexity: 'complex',
  parameterSchema: z
    .strictObject({
      bug: requiredText('The bug: what happens, what should happen instead, and where it shows.'),
      reproduction: optionalText('How to reproduce it: steps, a failing command, an error message or stack trace.'),
      context: optionalText('Where to look: suspected files or modules, recent changes, constraints.'),
      // 4000: the longest command the fix selector takes (fixSelectionSettingsSchema).
      verifyCommand: optionalText(
        'The command that says whether a fix works (exit 0), run without a shell on each candidate in its own copy, e.g. `npm test` or `pytest -q tests/test_totals.py`; quotes group words. Default: `npm test` when package.json has a test script, else the judge decides alone.',
        4000,
      ).superRefine((command, context) => {
        // Checked now, so a command that needs a shell is refused before anything runs (exit 2).
        const problem = command === undefined ? undefined : describeCommandLineProblem(command);
        if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, input: command });
      }),
      verifyTimeoutMs: z
        .int()
        .min(1000)
        .max(3_600_000)
        .default(DEFAULT_VERIFY_TIMEOUT_MS)
        .describe('Longest one run of the verification command may take, in ms (1000 to 3600000).'),
      attempts: z
        .int()
        .min(1)
        .max(FIX_STRATEGIES.length)
        .default(DEFAULT_ATTEMPTS)
        .describe(`Fix attempts run in parallel, each with its own strategy (1 to ${FIX_STRATEGIES.length}).`),
      models: textList("Models for the attempts (tier alias, model id, or provider:model); attempt i uses the (i mod n)th. None: the run's model."),
      providers: textList(
        `Providers for the attempts (${PROVIDER_NAMES.join(', ')}); attempt i uses the (i mod n)th, with the model from models (provider:model) or the provider's ${ATTEMPT_TIER} tier.`,
      ).superRefine((providers, context) => {
        // Checked here rather than as an enum, so a provider's name keeps its case-sensitive spelling and this message.
        providers.forEach((provider, index) => {
          // A blank item is reported by the item schema already.
          if (provider !== '' && !(PROVIDER_NAMES as readonly string[]).includes(provider)) {
            context.addIssue({ code: 'custom', path: [index], message: `unknown provider "${provider}"; expected one of ${PROVIDER_NAMES.join(', ')}`, input: provider });
          }
        });
      }),
    })
    .superRefine(({ attempts, models, providers }, context) => {
      for (const issue of findAttemptModelIssues(attempts, models, providers)) context.addIssue({ code: 'custom', ...issue });
    }),
  // Up to five attempts at once; the other steps are one task each.
  config: { maxParallelAgents: FIX_STRATEGIES.length },
  buildTasks({ bug, reproduction, context: notes, verifyCommand, verifyTimeoutMs, attempts, models, providers }): TaskInput[] {
    const attemptModels = assignAttemptModels(attempts, models, providers);
    const brief = [
      `Bug: ${bug}`,
      ...(reproduction === undefined ? [] : [`Reproduction: ${reproduction}`]),
      ...(notes === undefined ? [] : [`Where to look: ${notes}`]),
      ...(verifyCommand === undefined ? [] : [`Test command: ${verifyCommand}`]),
    ].join('\n');
    const findTests =
      verifyCommand === undefined
        ? "Find the project's test command first (the `test` script in package.json, a Makefile target, pyproject.toml or setup.cfg, the CI configuration)."
        : `Use the test command \`${verifyCommand}\`.`;
    const attemptIds = FIX_STRATEGIES.slice(0, attempts).map((_, index) => `fix-attempt-${index + 1}`);
    const fixAttempts = FIX_STRATEGIES.slice(0, attempts).map((strategy, index): TaskInput => {
      const model = attemptModels[index];
      return {
        id: `fix-attempt-${index + 1}`,
        agentName: strategy.agentName,
        description: `Fix it in a private copy (${strategy.name})`,
        prompt:
          `${brief}\n\n${strategy.instruction}\n\n` +
          `You are fix attempt ${index + 1} of ${attempts}. You work in a private copy of the workspace, which holds the ` +
          "user's uncommitted changes and the reproduction test; the other attempts work in copies of their own with other " +
          'strategies, and nothing you change reaches the workspace unless the selector picks your change. Read the ' +
          'reproduction and the root-cause analysis, Read each file before you change it, and make the fix with Edit (Write ' +
          'for a new file). Keep the reproduction test as it is: do not edit, weaken or delete it. With Bash (under ' +
          `\`--permissions full\`) run the reproduction test and the tests around your change on your copy, and fix what fails. ${findTests} ` +
          'Do not commit, and leave no scratch files behind: every file you leave changed is part of your patch.\n\n' +
          'Your output must contain: the strategy in one line; the root cause you fixed, citing `path:line`; every file you ' +
          'changed and why; each command you ran with its exit code (or that you could not run it); and the risks for other ' +
          'callers. Your change is captured from your copy as a patch when you finish: do not paste it.',
        dependencies: ['analyze'],
        priority: 8,
        maxTokens: 12_000,
        estimatedMs: 90_000,
        isolation: 'worktree',
        ...(model === undefined ? {} : { model }),
      };
    });
    const fixSelection: FixSelectionSettingsInput = { verifyTimeoutMs, ...(verifyCommand === undefined ? {} : { verifyCommand }) };
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
          'asserting the expected behaviour rather than the current one. The fix attempts start from the workspace as you leave ' +
          'it, so the test you write is the one they must make pass.\n\n' +
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
        agentName: FIX_SELECTOR_AGENT,
        description: 'Select one fix by the tests (a judge otherwise) and apply only it',
        prompt:
          `${brief}\n\n` +
          `Select one of the ${attempts} fix attempts (${attemptIds.join(', ')}) to apply to the workspace. ensemble runs the ` +
          `verification command on each attempt's patch first; you are asked only when that cannot decide. Reject a patch ` +
          'that does not fix the root cause the analysis found, or that edits or weakens the reproduction test; among the ' +
          'rest prefer the one that fixes it for every caller sharing the wrong assumption, then the one that changes the ' +
          "least behaviour elsewhere, then the smaller one, then the lower attempt number. Do not merge patches.\n\n" +
          'Your input holds every patch and every verification result (exit code and last lines, and the baseline run without any ' +
          'patch). Read the files a patch touches (Read, Grep) when its diff alone does not show whether it fixes the cause. End ' +
          'your answer with one line `WINNER: <attempt id>`, or `WINNER: none` when no patch should be applied, and say why above it.',
        dependencies: [...attemptIds],
        // One attempt that fails (a provider error, a crash) must not sink the others: select among those that succeeded.
        dependencyMode: 'any-succeeded',
        priority: 7,
        maxTokens: 16_000,
        estimatedMs: 60_000,
        // Every candidate and the baseline may take the whole verification limit, and the judge may follow.
        timeoutMs: (attempts + 1) * verifyTimeoutMs + JUDGE_ALLOWANCE_MS,
        context: { fixSelection },
      },
      {
        id: 'verify',
        agentName: 'tester',
        description: 'Verify the fix with the tests',
        prompt:
          `${brief}\n\n` +
          `Verify the fix the selector applied; its report (your input) names the attempt it selected, the rule that decided, ` +
          `every candidate's verification result and the patch it applied. ${findTests} With Bash, first run ` +
          '`git status --short` and `git diff` to confirm the workspace holds exactly the applied patch and the reproduction ' +
          'test, then run the reproduction test and then the whole test suite. Report each command exactly, with its exit ' +
          'code, which tests pass and which fail, and the failure output. Without Bash (it needs `--permissions full`), say ' +
          'that no tests were run, give the commands to run, and Read the changed files and the reproduction test to judge ' +
          'whether the fix covers it; never report results you did not see.\n\n' +
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
});

/** Why `command` cannot run without a shell (an unclosed quote, `&&`, `|` …), or undefined when it can. */
function describeCommandLineProblem(command: string): string | undefined {
  try {
    parseCommandLine(command, COMMAND_LABEL);
    return undefined;
  } catch (error) {
    if (!isEnsembleError(error) || error.code !== 'INVALID_INPUT') throw error;
    const prefix = `${COMMAND_LABEL}: `;
    return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  }
}

/**
 * What is wrong with `models` and `providers` together with `attempts`: more entries than
 * attempts, or a model that names a provider of its own while `providers` is given; each with its
 * path under the parameters (`models[0]`).
 */
function findAttemptModelIssues(attempts: number, models: readonly string[], providers: readonly string[]): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  // zod runs this refinement even when `attempts` failed its range, which is reported already.
  const isAttemptsValid = Number.isInteger(attempts) && attempts >= 1 && attempts <= FIX_STRATEGIES.length;
  for (const [name, list] of [['models', models], ['providers', providers]] as const) {
    if (isAttemptsValid && list.length > attempts) issues.push({ path: [name], message: `${list.length} ${name} given for ${attempts} attempts; give at most one per attempt` });
  }
  if (providers.length > 0) {
    models.forEach((model, index) => {
      const named = PROVIDER_NAMES.find((provider) => model.startsWith(`${provider}:`));
      if (named !== undefined) issues.push({ path: ['models', index], message: `"${model}" names provider ${named} while providers are given; give model names or tiers alone` });
    });
  }
  return issues;
}

/**
 * The model of each attempt, or undefined for the run's: attempt i takes the (i mod n)th of
 * `models` and of `providers`; a provider with a model gives `provider:model`, a provider alone
 * its tier of the attempts' agents. The schema has checked the lists against `attempts`.
 */
function assignAttemptModels(attempts: number, models: readonly string[], providers: readonly string[]): (string | undefined)[] {
  return Array.from({ length: attempts }, (_, index) => {
    const model = models.length === 0 ? undefined : models[index % models.length];
    const provider = providers.length === 0 ? undefined : providers[index % providers.length];
    if (provider === undefined) return model;
    return `${provider}:${model ?? ATTEMPT_TIER}`;
  });
}
