import type { TaskInput } from '../../core/index.js';
import { readOptionalStringParameter, readStringParameter } from '../read-template-parameter.js';
import type { WorkflowTemplate } from '../types.js';

/** analyze → design → implement → test → review, each step building on the one before. */
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
          'Identify the parts of the codebase the change is likely to touch and any open questions or assumptions you had to make. ' +
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
          `Using the analysis, design how to implement this feature in ${language}. Describe the modules, types and functions to add ` +
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
          `Implement the feature in ${language}, following the design and its implementation plan. Write complete, working code ` +
          'that matches the conventions of the existing codebase, validates its inputs, and handles the error cases the analysis ' +
          'named. Do not leave placeholders or TODOs for required behaviour. When you finish, list every file you created or ' +
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
          `Write and run tests for the implementation, in ${language} with the project's existing test framework. Cover each ` +
          'acceptance criterion from the analysis, the edge cases and error paths, and any behaviour the change could have broken. ' +
          'Prefer real components over mocks where the project allows it. Report which tests pass and which fail, with the ' +
          'failure output, and call out any acceptance criterion that is not yet met.',
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
          'Review the whole change: the design, the implementation and the tests. Check correctness against the acceptance ' +
          'criteria, error handling, security, performance, readability and test coverage. List problems by severity ' +
          '(blocking, should fix, nice to have), each with the file and a concrete fix. Finish with a verdict: approve, or ' +
          'request changes with the blocking items that must be addressed first.',
        dependencies: ['test'],
        priority: 6,
        maxTokens: 8000,
        estimatedMs: 45_000,
      },
    ];
  },
};
