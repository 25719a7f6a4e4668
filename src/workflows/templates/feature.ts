import type { TaskInput } from '../../core/index.js';
import { readOptionalStringParameter, readStringParameter } from '../read-template-parameter.js';
import type { WorkflowTemplate } from '../types.js';

/**
 * analyze → design → implement → test → review, each step building on the one before, on the
 * task's workspace: the analyst and designer read the code, the developer edits it, the tester
 * runs the project's tests (Bash, under `--permissions full`), the reviewer reads the change.
 */
export const featureTemplate: WorkflowTemplate = {
  id: 'feature',
  name: 'Feature Development',
  description: 'Takes one feature from request to reviewed code: analyze, design, implement, test, review, in sequence.',
  category: 'development',
  tags: ['feature', 'development', 'sequential', 'implementation', 'testing'],
  // Sum of the tasks' estimatedMs: the chain runs one task at a time.
  estimatedDuration: 330,
  complexity: 'moderate',
  parameters: {
    feature: { type: 'string', required: true, description: 'The feature to build, as you would describe it in a ticket.' },
    context: { type: 'string', description: 'Notes about the codebase: structure, conventions, constraints, related modules.' },
    language: { type: 'string', default: 'TypeScript', description: 'Main implementation language.' },
  },
  buildTasks(params): TaskInput[] {
    const feature = readStringParameter(params, 'feature');
    const language = readOptionalStringParameter(params, 'language') ?? 'TypeScript';
    const notes = readOptionalStringParameter(params, 'context');
    const brief = [`Feature: ${feature}`, `Language: ${language}`, ...(notes === undefined ? [] : [`Codebase notes: ${notes}`])].join('\n');
    return [
      {
        id: 'analyze',
        agentName: 'analyzer',
        description: 'Analyze the feature request',
        prompt:
          `${brief}\n\n` +
          'Analyze this feature request before anyone designs or writes code. Restate what the user needs in your own words, ' +
          'list the functional requirements and the acceptance criteria that would prove the feature works, and name the edge ' +
          'cases, error conditions and non-functional concerns (security, performance, accessibility, compatibility) that apply. ' +
          'Find the parts of the codebase the change will touch by searching the workspace (Glob, Grep) and reading them (Read); ' +
          'name them as `path:line`, with any open questions or assumptions you had to make. ' +
          'Keep it concrete and short enough for the designer to act on.',
        priority: 10,
        maxTokens: 8000,
        estimatedMs: 45_000,
      },
      {
        id: 'design',
        agentName: 'designer',
        description: 'Design the implementation',
        prompt:
          `${brief}\n\n` +
          `Using the analysis and the code in the workspace (read the files it names before you design around them), design how ` +
          `to implement this feature in ${language}. Describe the files, modules, types and functions to add ` +
          'or change, the data flow, and the public interfaces with their signatures. Say how errors are handled and validated ' +
          'at the boundaries, and what must stay backwards compatible. Prefer the smallest design that meets every acceptance ' +
          'criterion; where you choose between alternatives, give the reason in one line. End with an ordered implementation plan.',
        dependencies: ['analyze'],
        priority: 9,
        maxTokens: 8000,
        estimatedMs: 60_000,
      },
      {
        id: 'implement',
        agentName: 'developer',
        description: 'Implement the feature',
        prompt:
          `${brief}\n\n` +
          `Implement the feature in ${language} in the workspace, following the design and its implementation plan: Read each ` +
          'file before you change it, change it with Edit, and create new files with Write. Write complete, working code ' +
          'that matches the conventions of the existing codebase, validates its inputs, and handles the error cases the analysis ' +
          'named. Do not leave placeholders or TODOs for required behaviour. The run keeps the real diff of the workspace as the ' +
          'evidence of your work, so describe only changes you made. When you finish, list every file you created or ' +
          'changed and summarize any point where you departed from the design and why.',
        dependencies: ['design'],
        priority: 8,
        maxTokens: 16_000,
        estimatedMs: 120_000,
      },
      {
        id: 'test',
        agentName: 'tester',
        description: 'Test the implementation',
        prompt:
          `${brief}\n\n` +
          `Write and run tests for the implementation, in ${language} with the project's existing test framework. Find the ` +
          "project's test command first (the `test` script in package.json, a Makefile target, pyproject.toml or setup.cfg, " +
          'the CI configuration) and add your tests beside the existing ones with Write or Edit. Cover each ' +
          'acceptance criterion from the analysis, the edge cases and error paths, and any behaviour the change could have broken. ' +
          'Prefer real components over mocks where the project allows it. Run the test command with Bash and report it exactly, ' +
          'with its exit code, which tests pass and which fail, and the failure output. Without Bash (it needs `--permissions ' +
          'full`), say that the tests were not run and give the command to run; never report results you did not see. List the ' +
          'files you created or changed, and those the developer listed, and call out any acceptance criterion that is not yet met.',
        dependencies: ['implement'],
        priority: 7,
        maxTokens: 12_000,
        estimatedMs: 60_000,
      },
      {
        id: 'review',
        agentName: 'reviewer',
        description: 'Review the change',
        prompt:
          `${brief}\n\n` +
          'Review the whole change in the workspace: the implementation and the tests. Read the change itself: with Bash, run ' +
          '`git status --short` and `git diff` (new files show only in the status: Read them); without it, Read every file the ' +
          'reports before you list as created or changed. Check correctness against the acceptance ' +
          'criteria, error handling, security, performance, readability and test coverage, and whether the test report shows ' +
          'the tests were really run. List problems by severity (blocking, should fix, nice to have), each as `path:line` with ' +
          'a concrete fix. Finish with a verdict: approve, or request changes with the blocking items that must be addressed first.',
        dependencies: ['test'],
        priority: 6,
        maxTokens: 8000,
        estimatedMs: 45_000,
      },
    ];
  },
};
