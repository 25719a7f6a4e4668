import { z } from 'zod';
import type { TaskInput } from '../../core/index.js';
import { defineWorkflowTemplate } from '../define-workflow-template.js';
import { optionalText, requiredText, textList } from './parameter-fields.js';

const DEFAULT_TECH_STACK = { frontend: 'React + TypeScript', backend: 'Node.js + Express', database: 'PostgreSQL' } as const;

/**
 * `techStack` merged over the defaults: a caller who names only `frontend` still gets a backend
 * and a database, and extra keys (`auth`, `hosting`) are passed on as given; a blank layer keeps its default.
 */
function mergeTechStack(given: Readonly<Record<string, string>>): Record<string, string> {
  const named = Object.entries(given).filter(([, technology]) => technology !== '');
  return { ...DEFAULT_TECH_STACK, ...Object.fromEntries(named) };
}

/**
 * A shared design, then backend and frontend side by side, then integration, tests and a review:
 * a hybrid graph whose phases run in order with parallel work inside the second one. Both builders
 * edit the same workspace at once, so the design assigns each one its files.
 */
export const fullstackDevTemplate = defineWorkflowTemplate({
  id: 'fullstack-dev',
  name: 'Full-Stack Development',
  description: 'Builds a full-stack application: shared design, backend and frontend in parallel, integration, tests, review.',
  category: 'development',
  tags: ['fullstack', 'development', 'frontend', 'backend', 'hybrid', 'testing'],
  // Critical path of the tasks' estimatedMs: design 90 + backend 180 (frontend, 150, runs beside it)
  // + integration 90 + tests 120 + review 60 seconds; two builders fit the default limit of 3.
  estimatedDuration: 540,
  complexity: 'complex',
  parameterSchema: z.strictObject({
    projectType: requiredText('What to build, e.g. "web app" or "e-commerce platform", with its goal in a phrase.', 2000),
    features: textList('The features to build; empty means the designer derives the core ones from projectType.'),
    techStack: z
      .record(z.string().trim().min(1).max(100), z.string().trim().max(200))
      .default(() => ({ ...DEFAULT_TECH_STACK }))
      .describe('Technologies by layer as JSON: {"frontend", "backend", "database", ...}; a layer left out keeps its default, extra keys (auth, hosting) are passed on.'),
    context: optionalText('Notes about the codebase: structure, conventions, constraints, existing services.'),
  }),
  buildTasks({ projectType, features, techStack: givenStack, context: notes }): TaskInput[] {
    const techStack = mergeTechStack(givenStack);
    const stackLine = Object.entries(techStack)
      .map(([layer, technology]) => `${layer}: ${technology}`)
      .join('; ');
    const frontend = techStack['frontend'] ?? DEFAULT_TECH_STACK.frontend;
    const backend = techStack['backend'] ?? DEFAULT_TECH_STACK.backend;
    const database = techStack['database'] ?? DEFAULT_TECH_STACK.database;
    const brief = [
      `Project: ${projectType}`,
      features.length === 0 ? 'Features: none listed; the design derives the core features from the project type.' : `Features: ${features.join(', ')}`,
      `Tech stack: ${stackLine}`,
      ...(notes === undefined ? [] : [`Codebase notes: ${notes}`]),
    ].join('\n');
    const ownFiles =
      'The backend and frontend tasks edit the same workspace at the same time: change only the files and folders the ' +
      'design assigns to you, and if you need a change in a file the other side owns, do not make it: describe it under ' +
      '"Needed from the other side" in your report, for the integration step.';
    return [
      {
        id: 'design',
        agentName: 'solutions-architect',
        description: 'Design the shared architecture and API contract',
        prompt:
          `${brief}\n\n` +
          'Produce the shared design that the backend and frontend will be built from in parallel, so it must be complete ' +
          'enough that neither side has to guess what the other does. First look at what exists: Glob the workspace for its ' +
          'layout (package manifests, src folders, existing services, migrations, tests) and Read the files that decide where ' +
          'new code goes; cite them as `path:line`. If the workspace is empty, say so and design a new project layout.\n\n' +
          `Then write, for ${projectType}: the features with acceptance criteria` +
          (features.length === 0 ? ' (choose the core ones and say why)' : ` (${features.join(', ')})`) +
          `; the architecture (${frontend} frontend, ${backend} backend, ${database} database) and how they talk; the data ` +
          'model (entities, fields with types, relations, indexes, constraints); and the API contract: every endpoint with ' +
          'method, path, request and response bodies as typed fields, status codes, the one error format, authentication and ' +
          'pagination. Name the pages, components and client state the frontend needs, and which endpoint each one calls.\n\n' +
          'End with a file plan: the folders and files the backend task owns, those the frontend task owns, and the shared ' +
          'ones (the contract types, root manifests) with exactly one owner each, plus the commands that install, build, run ' +
          'and test each side. The backend, frontend, integration, test and review steps all work from this design.',
        priority: 10,
        maxTokens: 10_000,
        estimatedMs: 90_000,
      },
      {
        id: 'backend',
        agentName: 'backend-architect',
        description: 'Implement the backend and data layer',
        prompt:
          `${brief}\n\n` +
          `Implement the backend of this design in ${backend} with ${database}: the data model and its migrations or schema, ` +
          'the data access, and every endpoint of the API contract with the exact paths, bodies, status codes and error ' +
          'format the design gives, so the frontend built in parallel against the same contract works without changes. ' +
          'Validate every request body at the boundary, check authentication and authorization on each endpoint the design ' +
          'protects, never build queries by string concatenation, and read configuration (database URL, secrets, port) from ' +
          'the environment with a documented example file rather than hard-coded values.\n\n' +
          `Read each existing file before you change it (Glob and Grep to find them), change it with Edit, and create new files with Write. ${ownFiles} ` +
          'Follow the conventions of the existing code; no placeholders or TODOs for required behaviour.\n\n' +
          'Finish with a report: every file you created or changed, how to install, migrate and start the backend, each ' +
          'endpoint as implemented (method, path, status codes), any point where you departed from the contract and why, ' +
          'and what you need from the frontend side.',
        dependencies: ['design'],
        priority: 9,
        maxTokens: 16_000,
        estimatedMs: 180_000,
      },
      {
        id: 'frontend',
        agentName: 'frontend-developer',
        description: 'Implement the frontend against the API contract',
        prompt:
          `${brief}\n\n` +
          `Implement the frontend of this design in ${frontend}: the pages, components, routing and client state it names, ` +
          'with data fetching that calls the API contract exactly as written (paths, bodies, status codes, the error format), ' +
          'since the backend is being built at the same time against the same contract. Keep the API base URL in ' +
          'configuration, show loading, empty and error states for every request, validate forms before sending them, and ' +
          'make the interface keyboard accessible with labelled controls. Never render server or user text as raw HTML.\n\n' +
          `Read each existing file before you change it (Glob and Grep to find them), change it with Edit, and create new files with Write. ${ownFiles} ` +
          "Follow the project's framework and conventions; no placeholders or TODOs for required behaviour.\n\n" +
          'Finish with a report: every file you created or changed, how to install, build and start the frontend, which ' +
          'endpoint each page or component calls, any point where you departed from the design and why, and what you need ' +
          'from the backend side.',
        dependencies: ['design'],
        priority: 9,
        maxTokens: 16_000,
        estimatedMs: 150_000,
      },
      {
        id: 'integration',
        agentName: 'developer',
        description: 'Integrate frontend and backend',
        prompt:
          `${brief}\n\n` +
          `Connect the ${frontend} frontend and the ${backend} backend into one working application. Read the design's API ` +
          'contract, then the backend and frontend reports, and compare the contract with what was built: Grep the backend ' +
          'for its routes and the frontend for its requests, Read both sides of each endpoint, and list every mismatch in ' +
          'path, method, field name, type, status code or error handling as `path:line` on both sides.\n\n' +
          'Fix each mismatch on the side that departed from the contract, using Edit (Write for new files), and carry out ' +
          'the requests each side left under "Needed from the other side". Wire up what only works end to end: the ' +
          "frontend's API base URL, CORS or a development proxy, authentication tokens or cookies, environment example " +
          'files, and scripts that start both sides together.\n\n' +
          'Finish with a report the tester and reviewer will work from: every file you created or changed, the mismatches ' +
          'found and how each was fixed, the exact commands to install, start and stop the whole application, and anything ' +
          'still not working end to end.',
        dependencies: ['design', 'backend', 'frontend'],
        priority: 8,
        maxTokens: 12_000,
        estimatedMs: 90_000,
      },
      {
        id: 'tests',
        agentName: 'test-automator',
        description: 'Write and run unit, API and end-to-end tests',
        prompt:
          `${brief}\n\n` +
          "Read the design's acceptance criteria and API contract and the integration report first, then Glob and Read the " +
          'code you test: the routes, components and data access the reports list. ' +
          'Write automated tests for the integrated application with the frameworks the project already uses (find them in ' +
          "package.json, pyproject.toml, go.mod or the CI configuration; if there are none, choose the usual ones for " +
          `${backend} and ${frontend} and say so). Cover each feature's acceptance criteria from the design: backend unit tests ` +
          'for validation and data access, API tests for every endpoint of the contract including its error responses and ' +
          'authorization, frontend component tests for the loading, empty and error states, and at least one end-to-end ' +
          `test of the main user flow. Prefer a real ${database} (a container or a temporary database) over mocks where the ` +
          'project allows it. Add the tests beside the existing ones with Write or Edit.\n\n' +
          'Run the test commands with Bash and report each exactly: the command, its exit code, which tests pass and which ' +
          'fail, and the failure output. Bash needs `--permissions full`; without it, say that the tests were not run and ' +
          'give the commands to run them; never report results you did not see.\n\n' +
          'Finish with the files you created or changed and each acceptance criterion marked tested and passing, tested and ' +
          'failing, or not tested.',
        dependencies: ['design', 'integration'],
        priority: 7,
        maxTokens: 12_000,
        estimatedMs: 120_000,
      },
      {
        id: 'review',
        agentName: 'reviewer',
        description: 'Review the full-stack change',
        prompt:
          `${brief}\n\n` +
          'Review the whole application against the design: the backend, the frontend, the integration fixes and the tests. ' +
          'Read the code itself, not only the reports: Read every file the backend, frontend, integration and test reports ' +
          'list as created or changed, and Grep for the endpoints of the API contract on both sides.\n\n' +
          'Check that every feature meets its acceptance criteria, that the API matches the contract, input validation and ' +
          'authorization on every endpoint, injection and XSS risks, secrets kept out of the code, error handling on both ' +
          'sides, accessibility of the interface, query performance against the data model, and whether the test report ' +
          'shows the tests were really run and passed.\n\n' +
          'List problems by severity (blocking, should fix, nice to have), each as `path:line` with a concrete fix. Finish ' +
          'with a verdict: approve, or request changes naming the blocking items to address first.',
        dependencies: ['design', 'integration', 'tests'],
        priority: 6,
        maxTokens: 8000,
        estimatedMs: 60_000,
      },
    ];
  },
});
