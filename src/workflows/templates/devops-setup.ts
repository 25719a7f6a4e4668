import { z } from 'zod';
import type { TaskInput } from '../../core/index.js';
import { defineWorkflowTemplate } from '../define-workflow-template.js';
import { optionalText, requiredText, textList } from './parameter-fields.js';

// Where each known CI system reads its pipeline; any other value is passed on for the agent to place.
const PIPELINE_FILES: Readonly<Record<string, string>> = {
  'github-actions': '.github/workflows/ci.yml',
  'gitlab-ci': '.gitlab-ci.yml',
  circleci: '.circleci/config.yml',
  jenkins: 'Jenkinsfile',
  'azure-pipelines': 'azure-pipelines.yml',
  'bitbucket-pipelines': 'bitbucket-pipelines.yml',
};

const DEFAULT_ENVIRONMENTS = ['staging', 'production'];

/**
 * Design, then the CI pipeline, the container and deployment config, and monitoring side by
 * side, then a security review of what was written, then a verification that validates it all:
 * phases in order, parallel within the second. `monitoring: false` leaves the monitoring task out.
 */
export const devopsSetupTemplate = defineWorkflowTemplate({
  id: 'devops-setup',
  name: 'DevOps Setup',
  description: 'Sets up CI, containers, deployment config and monitoring for a project, security-reviewed and verified at the end.',
  category: 'devops',
  tags: ['devops', 'ci-cd', 'docker', 'deployment', 'monitoring', 'hybrid'],
  // Critical path of the tasks' estimatedMs: design 90 + containerize 150 (the longest of the three
  // parallel tasks, which fit the default limit of 3) + security-review 75 + verify 150 seconds.
  estimatedDuration: 465,
  complexity: 'complex',
  parameterSchema: z.strictObject({
    platform: requiredText('Where it deploys: aws, gcp, azure, kubernetes, fly.io, a VM with Docker Compose, ...', 500),
    cicd: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .default('github-actions')
      .describe('The CI system: github-actions, gitlab-ci, circleci, jenkins, azure-pipelines, bitbucket-pipelines, or another.'),
    monitoring: z.boolean().default(true).describe('Whether to set up metrics, health checks, dashboards and alerts.'),
    environments: textList('The deployment environments, in promotion order; empty means staging, production.', DEFAULT_ENVIRONMENTS, 20),
    context: optionalText('Notes about the project: services, existing infrastructure, constraints, compliance needs.'),
  }),
  buildTasks({ platform, cicd, monitoring: withMonitoring, environments: listed, context: notes }): TaskInput[] {
    const environments = listed.length === 0 ? DEFAULT_ENVIRONMENTS : listed;
    const pipelineFile = PIPELINE_FILES[cicd.toLowerCase()];
    const pipelineWhere = pipelineFile === undefined ? `the file ${cicd} reads its pipeline from` : `\`${pipelineFile}\``;
    const brief = [
      `Deployment platform: ${platform}`,
      `CI system: ${cicd}`,
      `Environments: ${environments.join(' → ')}`,
      `Monitoring: ${withMonitoring ? 'yes' : 'not requested'}`,
      ...(notes === undefined ? [] : [`Project notes: ${notes}`]),
    ].join('\n');
    const ownFiles =
      'The CI, container and monitoring tasks work in the same workspace at the same time: create or change only the ' +
      'files the design assigns to you, and put anything you need in another task\'s files under "Needed from others" in your report.';
    const buildIds = ['ci-pipeline', 'containerize', ...(withMonitoring ? ['monitoring'] : [])];
    const tasks: TaskInput[] = [
      {
        id: 'infrastructure-design',
        agentName: 'cloud-architect',
        description: 'Assess the project and design the delivery setup',
        prompt:
          `${brief}\n\n` +
          'Assess the project before anything is written. Glob and Read its manifests and build files (package.json, ' +
          'pyproject.toml, go.mod, pom.xml, Makefile), its entry points and configuration, and any existing Dockerfile, ' +
          'compose file, CI configuration, infrastructure code or deployment scripts; cite what you find as `path:line`. ' +
          'Name the language and runtime versions, the install, lint, test and build commands, the ports, the services it ' +
          'depends on (databases, queues, caches) and the configuration and secrets it reads.\n\n' +
          `Then design the delivery setup on ${platform}: how the application is packaged (a container image, its base ` +
          `image and build stages), how ${cicd} builds, tests and publishes it, how it is deployed to ${environments.join(', then ')} ` +
          'with promotion between them, where secrets live, how a release is rolled back, and ' +
          (withMonitoring ? 'which health checks, metrics, logs and alerts show that it works. ' : 'which health checks show that it works. ') +
          'Prefer the simplest setup that is safe; give the reason for each choice in one line.\n\n' +
          `End with a file plan: every file to create or change, each with exactly one owner: the CI task (${pipelineWhere}), ` +
          'the container and deployment task (Dockerfile, .dockerignore, compose or platform manifests, infrastructure code)' +
          (withMonitoring ? ', and the monitoring task (health endpoint, metrics, dashboards, alert rules)' : '') +
          '. Every later task works from this plan.',
        priority: 10,
        maxTokens: 10_000,
        estimatedMs: 90_000,
      },
      {
        id: 'ci-pipeline',
        agentName: 'deployment-engineer',
        description: `Write the ${cicd} pipeline`,
        prompt:
          `${brief}\n\n` +
          `Write the ${cicd} pipeline in ${pipelineWhere}, following the design. It runs on every push and pull request: ` +
          "check out, set up the runtime at the project's version with dependency caching, install with the lockfile, lint, " +
          'test and build, using the commands the design found. On the main branch it also builds the container image, tags ' +
          `it with the commit id, publishes it to the registry the design chose for ${platform}, and deploys to ` +
          `${environments.join(', then ')}, with a manual approval before ${environments[environments.length - 1] ?? 'production'}.\n\n` +
          'Give jobs least-privilege permissions, pin third-party actions or images to a version, read secrets only from the ' +
          "CI system's secret store (name each secret the pipeline expects), and let the same commit never deploy twice at once. " +
          `Read existing files before you change them, change them with Edit and create new ones with Write. ${ownFiles}\n\n` +
          'With Bash (it needs `--permissions full`), run the lint, test and build commands the pipeline runs, and a linter for ' +
          'the pipeline file where one is installed (actionlint, yamllint), and report each command with its exit code and ' +
          'output. Without Bash, say that nothing was run and give the commands. Finish with every file you created or ' +
          'changed, the secrets and variables to configure, and the pipeline stages in order.',
        dependencies: ['infrastructure-design'],
        priority: 9,
        maxTokens: 12_000,
        estimatedMs: 120_000,
      },
      {
        id: 'containerize',
        agentName: 'cloud-architect',
        description: `Containerize and write the ${platform} deployment config`,
        prompt:
          `${brief}\n\n` +
          'Write the container and deployment configuration the design plans. The Dockerfile uses a multi-stage build on a ' +
          'pinned, minimal base image, installs dependencies from the lockfile in a cached layer, runs as a non-root user, ' +
          'exposes only the ports the application uses, and has a HEALTHCHECK or the platform\'s equivalent; add a ' +
          '.dockerignore that keeps secrets, .git and build output out of the image. Add a compose file that starts the ' +
          'application with the services it depends on for local development.\n\n' +
          `Then write the deployment configuration for ${platform} for each environment (${environments.join(', ')}): the ` +
          'manifests or infrastructure code the design chose, with resource limits, replicas, readiness and liveness checks, ' +
          'configuration from the environment and secrets from the platform\'s secret store (never in the files), and a ' +
          'rollout that can be rolled back. Keep environment differences in variables, not copies of the config.\n\n' +
          `Read existing files before you change them, change them with Edit and create new ones with Write. ${ownFiles} ` +
          'You cannot run commands: finish with every file you created or changed, the commands that build the image and ' +
          'deploy each environment, and the variables and secrets each environment needs, for the verification step to run.',
        dependencies: ['infrastructure-design'],
        priority: 9,
        maxTokens: 12_000,
        estimatedMs: 150_000,
      },
    ];
    if (withMonitoring) {
      tasks.push({
        id: 'monitoring',
        agentName: 'devops-troubleshooter',
        description: 'Design monitoring, dashboards and alerts',
        prompt:
          `${brief}\n\n` +
          `Set up the monitoring that shows whether the application works on ${platform}. Read its entry points, routes and ` +
          'logging (Glob, Grep, Read; cite `path:line`) to find what to measure: a health endpoint that checks its ' +
          'dependencies, request rate, errors and latency per endpoint (RED), saturation of its resources (USE), the ' +
          'business signals the project notes suggest, and structured logs with a request id.\n\n' +
          'You have no Write or Edit tool, so give every file in full for the verification step to write: each under its ' +
          'path from the design\'s file plan, as a fenced block (the health endpoint and metrics code, the metrics scrape ' +
          `configuration, a dashboard, and alert rules). Give each alert its threshold, duration and severity, tied to ` +
          `the environments (${environments.join(', ')}), with a one-line runbook of what to check first; alert on symptoms ` +
          'users feel rather than on every cause.\n\n' +
          'With Bash (it needs `--permissions full`), check what you can without changing files, such as the tools installed ' +
          'or a `promtool check rules` run on a temporary copy, and report the commands and their output. Without Bash, say ' +
          'that nothing was checked. Finish with the list of files to write and what each does.',
        dependencies: ['infrastructure-design'],
        priority: 8,
        maxTokens: 12_000,
        estimatedMs: 120_000,
      });
    }
    tasks.push(
      {
        id: 'security-review',
        agentName: 'security-auditor',
        description: 'Review the delivery setup for security problems',
        prompt:
          `${brief}\n\n` +
          'Review the delivery setup for security problems before it is verified. Read every file the CI and container ' +
          'reports list as created or changed' +
          (withMonitoring ? ', and the monitoring files given in full in the monitoring report' : '') +
          '; Glob for Dockerfiles, compose files, CI configuration and infrastructure code you were not told about.\n\n' +
          'Check: secrets committed to files, baked into images or printed in CI logs; CI jobs with more permissions than they ' +
          'need and third-party actions or images not pinned; untrusted pull requests able to reach deploy credentials; ' +
          'containers running as root, with writable root filesystems or unneeded capabilities; unpinned or outdated base ' +
          `images; ${platform} resources exposed publicly or with wide identity policies; missing encryption and ` +
          'TLS; health or metrics endpoints that leak data.\n\n' +
          'Report each finding as `path:line`, severity (critical, high, medium, low), how it could be exploited, and the ' +
          'exact fix. Mark the ones that must be fixed before the first deployment as blocking: the verification step applies them.',
        dependencies: ['infrastructure-design', ...buildIds],
        priority: 8,
        maxTokens: 8000,
        estimatedMs: 75_000,
      },
      {
        id: 'verify',
        agentName: 'deployment-engineer',
        description: 'Apply fixes, validate everything and write the runbook',
        prompt:
          `${brief}\n\n` +
          `Finish and verify the delivery setup. Read every file the CI${withMonitoring ? ', container and monitoring' : ' and container'} ` +
          'reports list, and the security review, before you change or run anything. ' +
          (withMonitoring ? "First write the monitoring files given in full in the monitoring report with Write, at their paths. " : '') +
          'Apply every blocking fix from the security review with Edit, and list the others you leave for later.\n\n' +
          'Then validate with Bash: build the container image, start it with the compose file and call its health check, ' +
          'validate the compose file (`docker compose config`), the pipeline file and the deployment manifests with the ' +
          `linters or dry runs installed for ${cicd} and ${platform}` +
          (withMonitoring ? ', the alert rules (`promtool check rules`)' : '') +
          ", and run the project's tests. Report each command exactly with its exit code and output, and fix what fails. " +
          'Bash needs `--permissions full`; without it, say plainly that nothing was validated and list the commands to ' +
          'run; never report results you did not see.\n\n' +
          'Write a deployment runbook (docs/DEPLOYMENT.md, or where the design put it): first-time setup, the secrets and ' +
          `variables per environment, how to deploy to ${environments.join(', then ')}, how to roll back, and ` +
          (withMonitoring ? 'where the dashboards and alerts are. ' : 'how to check the health of a release. ') +
          'Finish with every file created or changed across the workflow, the checks that passed, failed or were not run, ' +
          'and a verdict: ready to deploy, or not yet with the items that block it.',
        dependencies: ['infrastructure-design', ...buildIds, 'security-review'],
        priority: 7,
        maxTokens: 12_000,
        estimatedMs: 150_000,
      },
    );
    return tasks;
  },
});
