// The deployment stack (Dockerfile, compose.yaml, deploy/) checked without a container engine:
// schema and linters from npm, promtool, our own CLI, and a real /metrics scrape for the dashboard.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { DCLinter } from 'dclint';
import { validate as validateDockerfile } from 'dockerfile-utils';
import ignore from 'ignore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createEnsembleServer, type EnsembleServer } from '../src/server/index.js';
import { repoRoot, runCli } from './helpers/cli.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';

const readRepoFile = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

// ---------- compose.yaml ----------

interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: readonly string[];
  readonly volumes?: readonly string[];
  readonly secrets?: readonly string[];
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>>;
  readonly healthcheck?: { readonly test?: readonly string[]; readonly disable?: boolean };
  readonly environment?: Readonly<Record<string, string>>;
  readonly deploy?: { readonly replicas?: number | string };
}
interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes?: Readonly<Record<string, unknown>>;
  readonly secrets?: Readonly<Record<string, unknown>>;
}

const compose = parseYaml(readRepoFile('compose.yaml')) as ComposeFile;
const serviceOf = (name: string): ComposeService => {
  const service = compose.services[name];
  if (service === undefined) throw new Error(`compose.yaml has no service "${name}"`);
  return service;
};

/** dclint with its default rules: the Compose Specification schema first (it cannot be turned off), then best practices. */
function lintCompose(path: string): { errors: string[]; warnings: string[] } {
  const [result] = new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] }).lintFiles([path], false);
  if (result === undefined) throw new Error(`dclint linted nothing at ${path}`);
  // dclint's declarations import without extensions, which NodeNext cannot resolve: its messages are typed here.
  const messages = result.messages as readonly { readonly type: string; readonly rule: string; readonly line: number; readonly message: string }[];
  const format = (message: (typeof messages)[number]): string => `${message.rule} (line ${message.line}): ${message.message}`;
  return {
    errors: messages.filter((message) => message.type === 'error').map(format),
    warnings: messages.filter((message) => message.type === 'warning').map(format),
  };
}

describe('deployment: compose.yaml', () => {
  let temp: TempFolder;
  beforeAll(() => {
    temp = createTempFolder('ensemble-deploy-compose-');
  });
  afterAll(() => temp.remove());

  it('is valid under the Compose Specification schema and clean under dclint', () => {
    expect(lintCompose(join(repoRoot, 'compose.yaml'))).toEqual({ errors: [], warnings: [] });
  });

  it('dclint reports a file that breaks the schema, so a clean result means something', () => {
    const broken = join(temp.folder, 'compose.yaml');
    writeFileSync(broken, "name: broken\nservices:\n  app:\n    image: 'redis:7.4'\n    restartt: always\n");
    const { errors } = lintCompose(broken);
    expect(errors.join('\n')).toMatch(/invalid-schema/);
  });

  it('has the five services, each with an image or a build, and declares every named volume and secret it uses', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['coordinator', 'grafana', 'prometheus', 'redis', 'worker']);
    const declaredVolumes = new Set(Object.keys(compose.volumes ?? {}));
    const declaredSecrets = new Set(Object.keys(compose.secrets ?? {}));
    const usedVolumes = new Set<string>();
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image !== undefined || service.build !== undefined, `${name}: image or build`).toBe(true);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) {
          // A bind mount of ours: the file or folder must be in the repo.
          expect(existsSync(join(repoRoot, source)), `${name}: ${source} exists`).toBe(true);
        } else {
          expect(declaredVolumes.has(source), `${name}: volume "${source}" is declared`).toBe(true);
          usedVolumes.add(source);
        }
      }
      for (const secret of service.secrets ?? []) expect(declaredSecrets.has(secret), `${name}: secret "${secret}" is declared`).toBe(true);
    }
    expect([...declaredVolumes].filter((volume) => !usedVolumes.has(volume))).toEqual([]);
    // Workers and the coordinator share the workspace the agents work in.
    expect(serviceOf('coordinator').volumes).toContain('workspace:/workspace');
    expect(serviceOf('worker').volumes).toContain('workspace:/workspace');
    expect(serviceOf('worker').deploy?.replicas).toBe('${ENSEMBLE_WORKERS:-2}');
    expect(serviceOf('redis').command).toEqual(['redis-server', '--appendonly', 'yes']);
  });

  it('waits only for services that can report healthy: their own healthcheck or the image HEALTHCHECK', () => {
    const dockerfileHasHealthcheck = /^HEALTHCHECK /m.test(readRepoFile('Dockerfile'));
    const isHealthReporting = (name: string): boolean => {
      const service = serviceOf(name);
      if (service.healthcheck?.disable === true) return false;
      if (service.healthcheck?.test !== undefined) return true;
      return service.build !== undefined && dockerfileHasHealthcheck;
    };
    const dependencies = Object.entries(compose.services).flatMap(([name, service]) =>
      Object.entries(service.depends_on ?? {}).map(([dependency, { condition }]) => ({ name, dependency, condition })),
    );
    expect(dependencies.length).toBeGreaterThan(0);
    for (const { name, dependency, condition } of dependencies) {
      expect(compose.services[dependency], `${name} depends on ${dependency}`).toBeDefined();
      if (condition === 'service_healthy') expect(isHealthReporting(dependency), `${name} waits for ${dependency} to be healthy`).toBe(true);
    }
  });

  it('gives the coordinator its token from the environment (a bind beyond loopback needs one) and Prometheus the same token as a secret', () => {
    expect(serviceOf('coordinator').environment?.['ENSEMBLE_TOKEN']).toMatch(/^\$\{ENSEMBLE_TOKEN:\?/);
    expect(compose.secrets?.['ensemble_token']).toEqual({ environment: 'ENSEMBLE_TOKEN' });
    expect(serviceOf('prometheus').secrets).toEqual(['ensemble_token']);
  });

  for (const [service, subcommand] of [
    ['coordinator', 'serve'],
    ['worker', 'worker'],
  ] as const) {
    it(`runs ${service} as \`ensemble ${subcommand}\` with flags our own CLI knows`, async () => {
      const command = serviceOf(service).command ?? [];
      expect(command[0]).toBe(subcommand);
      const help = await runCli([subcommand, '--help'], { cwd: temp.folder, timeoutMs: 30_000 });
      expect(help.code, `ensemble ${subcommand} --help\n${help.stderr}`).toBe(0);
      // An unknown command's --help prints the program's help (exit 0 too): the usage line tells them apart.
      expect(help.stdout.split('\n')[0], `ensemble ${subcommand} is a command`).toMatch(new RegExp(`^Usage: ensemble ${subcommand} `));
      // Global options (--agents-dir, --db) are listed by the program's own help.
      const globalHelp = await runCli(['--help'], { cwd: temp.folder, timeoutMs: 30_000 });
      const known = `${help.stdout}\n${globalHelp.stdout}`;
      const flags = command.filter((argument) => argument.startsWith('--'));
      expect(flags.length).toBeGreaterThan(0);
      expect(flags.filter((flag) => !new RegExp(`(^|[\\s,])${flag}(?=[\\s<=,]|$)`, 'm').test(known))).toEqual([]);
    }, 60_000);
  }
});

// ---------- Dockerfile ----------

interface DockerInstruction {
  readonly keyword: string;
  readonly argument: string;
}

/** The Dockerfile's instructions by stage (continuation lines joined, comments dropped). */
function readStages(text: string): DockerInstruction[][] {
  const stages: DockerInstruction[][] = [];
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), argument: rest.join(' ') };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const dockerfile = readRepoFile('Dockerfile');
const stages = readStages(dockerfile);
const finalStage = stages.at(-1) ?? [];
const argumentsOf = (stage: readonly DockerInstruction[], keyword: string): string[] =>
  stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.argument);

describe('deployment: Dockerfile', () => {
  it('has no problems dockerfile-utils reports, and the linter does report a broken Dockerfile', () => {
    const problems = validateDockerfile(dockerfile).map((problem) => `line ${problem.range.start.line + 1}: ${problem.message}`);
    expect(problems).toEqual([]);
    const broken = validateDockerfile('FROM node:20-bookworm-slim\nEXPOSE http\nHEALTHCHECK --intervall=5s CMD true\n');
    expect(broken.filter((problem) => problem.severity === 1).length).toBeGreaterThanOrEqual(2);
  });

  it('builds in stages from Node 20 bookworm-slim: build tools, npm ci, build, prune', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]?.argument).toMatch(/^node:20-bookworm-slim AS \w+$/);
    const buildRuns = argumentsOf(stages[0]!, 'RUN').join('\n');
    for (const step of ['python3', 'make', 'g++', 'npm ci', 'npm rebuild better-sqlite3', 'npm run build', 'npm prune --omit=dev']) expect(buildRuns).toContain(step);
  });

  it('runs as a non-root user with git, /data as ENSEMBLE_HOME and a volume, port 8000, and the CLI as entrypoint', () => {
    const users = argumentsOf(finalStage, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    expect(argumentsOf(finalStage, 'RUN').join('\n')).toMatch(/apt-get install [^\n]*\bgit\b/);
    expect(argumentsOf(finalStage, 'ENV').join(' ')).toMatch(/\bENSEMBLE_HOME=\/data\b/);
    expect(argumentsOf(finalStage, 'VOLUME')).toEqual(['["/data"]']);
    expect(argumentsOf(finalStage, 'EXPOSE')).toEqual(['8000']);
    expect(JSON.parse(argumentsOf(finalStage, 'ENTRYPOINT').at(-1) ?? 'null')).toEqual(['node', 'bin/ensemble.js']);
    expect(JSON.parse(argumentsOf(finalStage, 'CMD').at(-1) ?? 'null')).toEqual(['serve', '--host', '0.0.0.0', '--port', '8000']);
    const copied = argumentsOf(finalStage, 'COPY').join('\n');
    for (const path of ['/app/dist', '/app/bin', '/app/agents', '/app/node_modules', '/app/package.json']) expect(copied).toContain(path);
  });

  it('checks health on /healthz with node (no curl in the slim image)', () => {
    const [healthcheck] = argumentsOf(finalStage, 'HEALTHCHECK');
    expect(healthcheck).toBeDefined();
    expect(healthcheck).toContain('http://127.0.0.1:8000/healthz');
    expect(healthcheck).toMatch(/CMD \["node", "-e"/);
    expect(healthcheck).not.toMatch(/curl|wget/);
  });

  it('copies only paths the build context has: present in the repo and not excluded by .dockerignore', () => {
    const dockerignore = ignore().add(readRepoFile('.dockerignore'));
    const sources = stages
      .flatMap((stage) => argumentsOf(stage, 'COPY'))
      .filter((argument) => !argument.includes('--from='))
      .flatMap((argument) => {
        const words = argument.split(/\s+/).filter((word) => !word.startsWith('--'));
        return words.slice(0, -1);
      });
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const path = posix.normalize(source).replace(/\/$/, '');
      expect(existsSync(join(repoRoot, path)), `${path} exists`).toBe(true);
      expect(dockerignore.ignores(path), `${path} is not in .dockerignore`).toBe(false);
    }
  });
});

// ---------- Prometheus ----------

interface PrometheusConfig {
  readonly scrape_configs: readonly {
    readonly job_name: string;
    readonly metrics_path?: string;
    readonly authorization?: { type?: string; credentials_file?: string };
    readonly static_configs: readonly { readonly targets: readonly string[] }[];
  }[];
}

describe('deployment: Prometheus', () => {
  let temp: TempFolder;
  let promtool = '';
  beforeAll(() => {
    temp = createTempFolder('ensemble-deploy-prometheus-');
    // Finds promtool or extracts it from Debian's package (never installed), as the metrics tests do.
    promtool = execFileSync('bash', [join(repoRoot, 'scripts', 'ensure-promtool.sh')], { encoding: 'utf8', timeout: 300_000 }).trim();
  }, 320_000);
  afterAll(() => temp?.remove());

  const checkConfig = (config: unknown): { status: number | null; output: string } => {
    const path = join(temp.folder, `prometheus-${Math.random().toString(36).slice(2)}.yml`);
    writeFileSync(path, typeof config === 'string' ? config : stringifyYaml(config));
    const result = spawnSync(promtool, ['check', 'config', path], { encoding: 'utf8', timeout: 30_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };

  it('promtool check config accepts deploy/prometheus/prometheus.yml (its token file pointed at a temp one)', () => {
    const config = parseYaml(readRepoFile('deploy/prometheus/prometheus.yml')) as PrometheusConfig;
    // promtool checks that the credentials file exists; in the container compose mounts the secret there.
    const tokenFile = join(temp.folder, 'ensemble_token');
    writeFileSync(tokenFile, 'x'.repeat(32));
    const local = {
      ...config,
      scrape_configs: config.scrape_configs.map((scrape) => ({ ...scrape, authorization: { ...scrape.authorization, credentials_file: tokenFile } })),
    };
    const result = checkConfig(local);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.status, result.output).toBe(0);
  });

  it('promtool rejects a broken config, so its acceptance means something', () => {
    const result = checkConfig('global:\n  scrape_interval: soon\nscrape_configs:\n  - job_name: x\n');
    expect(result.status).not.toBe(0);
  });

  it("scrapes the coordinator's /metrics on its port with the bearer token compose mounts", () => {
    const config = parseYaml(readRepoFile('deploy/prometheus/prometheus.yml')) as PrometheusConfig;
    expect(config.scrape_configs).toHaveLength(1);
    const [scrape] = config.scrape_configs;
    expect(scrape?.metrics_path ?? '/metrics').toBe('/metrics');
    expect(scrape?.static_configs.flatMap((target) => target.targets)).toEqual(['coordinator:8000']);
    expect(serviceOf('coordinator').command).toEqual(expect.arrayContaining(['--port', '8000']));
    expect(scrape?.authorization).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/ensemble_token' });
    expect(serviceOf('prometheus').volumes).toContain('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
  });
});

// ---------- Grafana ----------

interface DashboardPanel {
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly targets?: readonly { readonly expr: string; readonly datasource?: { readonly uid: string } }[];
}

const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/ensemble.json')) as { schemaVersion: number; uid: string; panels: readonly DashboardPanel[] };
const queryPanels = dashboard.panels.filter((panel) => panel.type !== 'row');
const expressions = queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));

/** What a /metrics exposition declares (`# TYPE`) and which label names its samples carry, by sample name. */
interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly sampleLabels: ReadonlyMap<string, ReadonlySet<string>>;
}

function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const sampleLabels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
    if (sample === null) continue;
    const labels = sampleLabels.get(sample[1]!) ?? new Set<string>();
    for (const pair of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(pair[1]!);
    sampleLabels.set(sample[1]!, labels);
  }
  return { types, sampleLabels };
}

/** The family a sample name belongs to: a histogram's `_bucket`/`_sum`/`_count` belong to the histogram. */
function familyOf(name: string, types: ReadonlyMap<string, string>): { family: string; type: string } | undefined {
  const own = types.get(name);
  if (own !== undefined && own !== 'histogram' && own !== 'summary') return { family: name, type: own };
  const suffix = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = suffix === null ? undefined : types.get(suffix[1]!);
  if (suffix !== null && (base === 'histogram' || (base === 'summary' && suffix[2] !== 'bucket'))) return { family: suffix[1]!, type: base };
  return undefined;
}

const metricNamesIn = (expr: string): string[] => [...new Set(expr.match(/\bensemble_[a-zA-Z0-9_]+\b/g) ?? [])];
/** Label names an expression groups by or matches on. */
const labelNamesIn = (expr: string): string[] => {
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((match) => match[1]!.split(',').map((label) => label.trim()));
  const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((match) => [...match[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((pair) => pair[1]!));
  return [...new Set([...grouped, ...matched].filter((label) => label !== ''))];
};

describe('deployment: Grafana', () => {
  it('provisions the Prometheus datasource by uid, and the dashboard folder compose mounts', () => {
    const datasources = parseYaml(readRepoFile('deploy/grafana/provisioning/datasources/prometheus.yaml')) as { datasources: { uid: string; type: string; url: string }[] };
    expect(datasources.datasources).toEqual([expect.objectContaining({ uid: 'ensemble-prometheus', type: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = parseYaml(readRepoFile('deploy/grafana/provisioning/dashboards/ensemble.yaml')) as { providers: { type: string; options: { path: string } }[] };
    const [provider] = providers.providers;
    expect(provider?.type).toBe('file');
    const grafana = serviceOf('grafana');
    expect(grafana.volumes).toContain(`./deploy/grafana/dashboards:${provider?.options.path}:ro`);
    expect(grafana.volumes).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(grafana.environment?.['GF_AUTH_ANONYMOUS_ENABLED']).toBe('true');
    expect(grafana.environment?.['GF_AUTH_ANONYMOUS_ORG_ROLE']).toBe('Viewer');
    expect(grafana.environment?.['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']).toBe(`${provider?.options.path}/ensemble.json`);
  });

  it('ships a dashboard of schemaVersion 39 or later whose every panel queries the provisioned datasource', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(queryPanels.length).toBeGreaterThanOrEqual(10);
    for (const panel of queryPanels) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: 'ensemble-prometheus' });
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid ?? panel.datasource?.uid, panel.title).toBe('ensemble-prometheus');
    }
    // The panels the brief asks for are there.
    const allExpressions = expressions.map(({ expr }) => expr).join('\n');
    for (const name of ['ensemble_runs', 'ensemble_tasks', 'ensemble_task_duration_seconds_bucket', 'ensemble_tokens_total', 'ensemble_cost_usd_total', 'ensemble_queue_jobs', 'ensemble_workers']) {
      expect(allExpressions).toContain(name);
    }
  });

  describe('against a real /metrics scrape of a server that ran a simulated workflow', () => {
    let temp: TempFolder;
    let server: EnsembleServer;
    let exposition: Exposition;
    beforeAll(async () => {
      temp = createTempFolder('ensemble-deploy-grafana-');
      server = createEnsembleServer({ port: 0, storePath: join(temp.folder, 'ensemble.db'), workspaceDir: temp.folder, env: {}, simulatedLatencyMs: 5, logger: { warn: () => {}, error: () => {} } });
      const started = await server.app.request('/api/workflows/execute', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ workflowId: 'code-review' }),
      });
      const { runId } = (await started.json()) as { runId: string };
      for (let waited = 0; server.store.runStatus(runId) === 'running' && waited < 20_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(server.store.runStatus(runId)).toBe('succeeded');
      exposition = parseExposition(await (await server.app.request('/metrics')).text());
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      temp?.remove();
    });

    it('every metric a panel queries is one /metrics exports (histogram series by their _bucket/_sum/_count names)', () => {
      const unknown: string[] = [];
      for (const { panel, expr } of expressions) {
        const names = metricNamesIn(expr);
        expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) {
          const family = familyOf(name, exposition.types);
          // A histogram queried by its bare name has no series: only its _bucket/_sum/_count do.
          if (family === undefined) unknown.push(`${panel}: ${name}`);
        }
      }
      expect(unknown).toEqual([]);
      // The run left series behind for the core panels, so the names were checked against real samples.
      for (const name of ['ensemble_runs', 'ensemble_tasks', 'ensemble_task_duration_seconds_bucket', 'ensemble_tokens_total', 'ensemble_cost_usd_total', 'ensemble_workers']) {
        expect(exposition.sampleLabels.has(name), `${name} has samples`).toBe(true);
      }
    });

    it('groups and matches only on labels the queried metrics carry', () => {
      const wrong: string[] = [];
      for (const { panel, expr } of expressions) {
        const names = metricNamesIn(expr).filter((name) => exposition.sampleLabels.has(name));
        // Metrics without series in this scrape (the queue without --redis, provider waits) cannot be checked here.
        if (names.length === 0) continue;
        const carried = new Set(names.flatMap((name) => [...(exposition.sampleLabels.get(name) ?? [])]));
        for (const label of labelNamesIn(expr)) if (!carried.has(label)) wrong.push(`${panel}: ${label} (in ${names.join(', ')})`);
      }
      expect(wrong).toEqual([]);
    });

    it('the check catches a misspelt metric and a histogram queried by its bare name', () => {
      expect(familyOf('ensemble_task_duration_seconds_bucket', exposition.types)).toEqual({ family: 'ensemble_task_duration_seconds', type: 'histogram' });
      expect(familyOf('ensemble_task_duration_seconds', exposition.types)).toBeUndefined();
      expect(familyOf('ensemble_run', exposition.types)).toBeUndefined();
      expect(familyOf('ensemble_queue_jobs', exposition.types)).toEqual({ family: 'ensemble_queue_jobs', type: 'gauge' });
    });
  });
});
