import { z } from 'zod';
import type { TaskInput } from '../../core/index.js';
import { defineWorkflowTemplate } from '../define-workflow-template.js';
import { optionalText, requiredText } from './parameter-fields.js';

/**
 * analyze → design → implement → test → review, each step building on the one before, on the
 * task's workspace: the analyst and designer read the code, the developer edits it, the tester
 * runs the project's tests (Bash, under `--permissions full`), the reviewer reads the change.
 */
export const featureTemplate = defineWorkflowTemplate({
  id: 'feature',
  name: 'Feature Development',
  description: 'Takes one feature from request to reviewed code: analyze, design, implement, test, review, in sequence.',
  category: 'development',
  tags: ['feature', 'development', 'sequential', 'implementation', 'testing'],
  // Sum of the tasks' estimatedMs: the chain runs one task at a time.
  estimatedDuration: 330,
  complexity: 'moderate',
  parameterSchema: z.strictObject({
    feature: requiredText('The feature to build, as you would describe it in a ticket.'),
    context: optionalText('Notes about the codebase: structure, conventions, constraints, related modules.'),
    language: z.string().trim().min(1).max(100).default('TypeScript').describe('Main implementation language.'),
  }),
  buildTasks({ feature, context: notes, language }): TaskInput[] {
    const brief = [`Feature: ${feature}`, `Language: ${language}`, ...(notes === undefined ? [] : [`Codebase notes: ${notes}`])].join('\n');
    return [
      {
        id: 'analyze',
        agentName: 'analyzer',
        description: 'Analyze the feature request',
        prompt:
          `${brief}\n\n` +
          'Analyze this feature request before anyone designs or writes code. Find the parts of the codebase the change will ' +
          'touch by searching the workspace (Glob, Grep) and reading them (Read): the entry points, the modules that hold the ' +
          'data involved, the tests that cover them, and the conventions the surrounding code follows. Do not change any file.\n\n' +
          'Then write the analysis the designer will work from: what the user needs, restated in your own words; the ' +
          'functional requirements; the acceptance criteria that would prove the feature works; the edge cases, error ' +
          'conditions and non-functional concerns (security, performance, accessibility, compatibility) that apply; the code ' +
          'involved, named as `path:line`; and any open questions or assumptions you had to make. Keep it concrete and short ' +
          'enough for the designer to act on.',
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
          `Design how to implement this feature in ${language}, from the analysis and the code itself: Read the files the ` +
          'analysis names before you design around them, and Grep for existing helpers, types and patterns the design should ' +
          'reuse rather than duplicate. Do not change any file; the developer implements your design.\n\n' +
          'Describe the files, modules, types and functions to add or change, the data flow, and the public interfaces with ' +
          'their signatures. Say how errors are handled and validated at the boundaries, and what must stay backwards ' +
          'compatible. Prefer the smallest design that meets every acceptance criterion; where you choose between ' +
          'alternatives, give the reason in one line.\n\n' +
          'End with an ordered implementation plan: one step per file or function, each naming the `path` it touches and the ' +
          'acceptance criterion it serves, so the developer and the tester can follow it.',
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
          'named. Do not leave placeholders or TODOs for required behaviour.\n\n' +
          'The run keeps the real diff of the workspace as the evidence of your work, so describe only changes you made. When ' +
          'you finish, list every file you created or changed and summarize any point where you departed from the design and why.',
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
          `Write and run tests for the implementation, in ${language} with the project's existing test framework. Read the ` +
          'files the developer lists as created or changed, and the existing tests beside them (Glob), before you write. Find the ' +
          "project's test command first (the `test` script in package.json, a Makefile target, pyproject.toml or setup.cfg, " +
          'the CI configuration) and add your tests beside the existing ones with Write or Edit. Cover each ' +
          'acceptance criterion from the analysis, the edge cases and error paths, and any behaviour the change could have broken. ' +
          'Prefer real components over mocks where the project allows it.\n\n' +
          'Run the test command with Bash and report it exactly, with its exit code, which tests pass and which fail, and the ' +
          'failure output. Without Bash (it needs `--permissions full`), say that the tests were not run and give the command ' +
          'to run; never report results you did not see.\n\n' +
          'List the files you created or changed, and those the developer listed, and call out any acceptance criterion that ' +
          'is not yet met.',
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
          'reports before you list as created or changed. Do not change any file.\n\n' +
          'Check correctness against the acceptance criteria, error handling, security, performance, readability and test ' +
          'coverage, and whether the test report shows the tests were really run. List problems by severity (blocking, ' +
          'should fix, nice to have), each as `path:line` with a concrete fix.\n\n' +
          'Finish with a verdict: approve, or request changes with the blocking items that must be addressed first.',
        dependencies: ['test'],
        priority: 6,
        maxTokens: 8000,
        estimatedMs: 45_000,
      },
    ];
  },
});
