import { z } from 'zod';
import type { TaskInput } from '../../core/index.js';
import { defineWorkflowTemplate } from '../define-workflow-template.js';
import { optionalText, requiredText } from './parameter-fields.js';

const WRITER_IDS = ['unit-tests', 'integration-tests', 'e2e-tests'];

/**
 * Coverage analysis, then unit, integration and end-to-end tests written side by side, then one
 * run of the whole suite with a report. Writers share the workspace, so each adds only its own
 * test files; tests run with Bash, which only `--permissions full` offers.
 */
export const testingSuiteTemplate = defineWorkflowTemplate({
  id: 'testing-suite',
  name: 'Testing Suite',
  description: 'Analyses test coverage, writes unit, integration and end-to-end tests in parallel, then runs the suite and reports.',
  category: 'testing',
  tags: ['testing', 'coverage', 'unit', 'integration', 'e2e', 'parallel'],
  // Analysis (90 s), the three writers side by side (150 s), then the run and report (90 s).
  estimatedDuration: 330,
  complexity: 'moderate',
  parameterSchema: z.strictObject({
    target: requiredText('The code to test: a file or folder in the workspace (. for all of it).', 1000),
    framework: optionalText("Test framework to use (vitest, jest, pytest, go test, …); by default the project's own.", 200),
    coverageTarget: z.int().min(1).max(100).default(80).describe('Line coverage to aim for, in percent (1-100).'),
    context: optionalText('Notes for the testers: critical flows, known fragile areas, services the tests may or may not start.'),
  }),
  // The three writers at once, after the analysis.
  config: { maxParallelAgents: 3 },
  buildTasks({ target, framework, coverageTarget, context: notes }): TaskInput[] {
    const where = target === '.' ? 'the whole workspace' : `\`${target}\` in the workspace`;
    const brief = [
      `Code under test: ${where}.`,
      `Test framework: ${framework ?? "the project's existing one (find it in package.json, pyproject.toml, go.mod, Cargo.toml or the CI configuration)"}.`,
      `Coverage target: ${coverageTarget}% of lines in the code under test.`,
      ...(notes === undefined ? [] : [`Notes: ${notes}`]),
    ].join('\n');
    const sharedWorkspace =
      'Three writers add tests to the same workspace at the same time. Create only new test files for your kind of test, at ' +
      'the paths the coverage analysis proposed, with Write; do not edit the code under test, the package manifest, the test ' +
      'configuration or shared fixtures another writer may also touch. If your tests need a new dependency, a config change or ' +
      'a shared fixture, write it down instead of making it. You have Bash only under `--permissions full`: with it, run just ' +
      'your new files (for example `npx vitest run <file>`, `pytest <file>`, `go test ./pkg -run <Name>`) and fix your tests ' +
      'until they pass or fail for a real bug; without it, say that you did not run them. Never report results you did not see.';
    const writerOutput =
      'End with: the files you created; for each test, the behaviour it checks; the command that runs them; and, separately, ' +
      'any test that fails because the code is wrong (a bug: `path:line` of the code, expected against actual) — keep such a ' +
      'test failing rather than weakening it, and mark it so the report can list it.';
    const writer = (id: string, agentName: string, description: string, priority: number, focus: string): TaskInput => ({
      id,
      agentName,
      description,
      prompt: `${brief}\n\n${focus}\n\n${sharedWorkspace}\n\n${writerOutput}`,
      dependencies: ['analyze-coverage'],
      priority,
      maxTokens: 16_000,
      estimatedMs: 150_000,
    });
    return [
      {
        id: 'analyze-coverage',
        agentName: 'test-automator',
        description: 'Analyse test coverage and plan the tests',
        prompt:
          `${brief}\n\n` +
          'Analyse how well the code under test is tested today, and plan the tests to write. Glob the source files and the ' +
          'existing tests, Read both, and map which module each test covers. Find the test command and the coverage command ' +
          '(the `test` script in package.json, a Makefile target, pytest or coverage settings in pyproject.toml or setup.cfg, the ' +
          'CI configuration). With Bash (under `--permissions full`), run the coverage command once and quote its totals and ' +
          'the least-covered files; do not change any file. Without Bash, estimate coverage from the mapping, label it an ' +
          'estimate, and give the command that would measure it.\n\n' +
          'Your output is the plan the three writers follow, so make it concrete: the framework, the test command, where each ' +
          'kind of test lives (folder and naming pattern, with an existing example as `path:line`), and the fixtures or helpers ' +
          'already available. Then three numbered lists — Unit, Integration, End-to-end — of the test cases to add, most ' +
          'valuable first, each naming the code it covers (`path:line`), the behaviour or edge case it checks, and the new ' +
          'file it belongs in. Give each list its own files, so no two writers write the same file. Say which kinds of test do ' +
          'not apply here (no UI or no running service, for example) and why.',
        priority: 10,
        maxTokens: 10_000,
        estimatedMs: 90_000,
      },
      writer('unit-tests', 'tester', 'Write unit tests', 8,
        'Write the unit tests from the Unit list of the coverage analysis. Read each function or module before you test it. ' +
        'Test behaviour through its public interface: return values, thrown errors and their messages, boundary values, empty ' +
        'and invalid input, and every branch the analysis marked uncovered. Keep tests fast and independent of each other, ' +
        'with no network, no real clock and no shared state; prefer real collaborators over mocks, and fake only what is ' +
        'slow or non-deterministic.'),
      writer('integration-tests', 'test-automator', 'Write integration tests', 7,
        'Write the integration tests from the Integration list of the coverage analysis: modules working together through ' +
        'their real boundaries — a real database (temporary SQLite, or a test container the project already uses), HTTP ' +
        'handlers called in process, file system under a temporary folder, queues and caches. Read the wiring code before you ' +
        'test it. Cover the main success paths, failures at each boundary (a rejected query, a timeout, malformed input), and ' +
        'data that crosses modules. Each test sets up and tears down its own data so the tests can run in any order.'),
      writer('e2e-tests', 'test-automator', 'Write end-to-end tests', 6,
        'Write the end-to-end tests from the End-to-end list of the coverage analysis: the critical user flows through the ' +
        "whole system, as a user or client drives it — the UI with the project's browser tool (Playwright or Cypress if " +
        'present), the HTTP API against a started server, or the CLI as a child process. Read the entry points and routes ' +
        'first. Cover the few flows that matter most (sign-up, the main purchase or save path, error pages), with stable ' +
        'selectors and explicit waits, never fixed sleeps. If the analysis said end-to-end tests do not apply, explain why in ' +
        'one paragraph and write none.'),
      {
        id: 'run-and-report',
        agentName: 'tester',
        description: 'Run the suite and report',
        prompt:
          `${brief}\n\n` +
          'Run the whole test suite with the new unit, integration and end-to-end tests, and report. Read the three writers\' ' +
          'reports, and Glob the test folders to check that every file they list exists. Then apply the shared ' +
          'changes the writers asked for (a dependency, a config entry, a fixture) if they are needed, with Edit, and list them. ' +
          'With Bash (under `--permissions full`), run the full test command and then the coverage command the analysis named, ' +
          'and quote both exactly: the command, its exit code, the counts of passed, failed and skipped tests, and the failure ' +
          'output. A new test that fails because the test is wrong (a bad import, a wrong fixture path) you may fix with Edit and ' +
          'run again; a test that fails because the code is wrong stays failing and goes in the report. Never edit the code ' +
          'under test. Without Bash, say in your first line that nothing was run, and give the commands to run.\n\n' +
          'Write the report in this order: the result (all green, or N failing); coverage before (from the analysis) and after, ' +
          `against the ${coverageTarget}% target, with the files still below it; the tests added, by kind and file; the bugs the ` +
          'new tests found, each with `path:line`, expected and actual; flaky or slow tests you noticed; and the most valuable ' +
          'tests still missing.',
        dependencies: ['analyze-coverage', ...WRITER_IDS],
        priority: 9,
        maxTokens: 10_000,
        estimatedMs: 90_000,
      },
    ];
  },
});
