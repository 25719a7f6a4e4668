import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli, writeWorkerAgent } from './helpers/cli.js';

// Issue 6, "The CLI behaves": strict flags, `workflows show FILE`, repeated --param, memory of an unknown agent.

let folder: string;
let agentsDir: string;
let db: string;

beforeAll(() => {
  folder = makeTempDir('ensemble-cli-input-');
  ({ agentsDir } = writeWorkerAgent(folder));
  db = join(folder, 'journal.db');
  writeFileSync(
    join(folder, 'api.yaml'),
    [
      'name: Custom API Development',
      'description: Designs and builds a REST API for one resource',
      'category: development',
      'tags: [api, backend]',
      'parameters:',
      '  resource: {type: string, required: true, description: The resource the API serves}',
      '  endpoints: {type: array, default: [list, get], description: Endpoints to build}',
      '  port: {type: integer, default: 8080}',
      'tasks:',
      '  - id: design-api',
      '    agentName: worker',
      '    description: Design the {{resource}} API ({{endpoints}})',
      '    prompt: Design a RESTful API for {{resource}} on port {{port}}',
      '  - id: implement-api',
      '    agentName: worker',
      '    description: Implement it',
      '    dependencies: [design-api]',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(folder, 'cycle.yaml'),
    'name: Cycle\ntasks:\n  - {id: a, agentName: worker, dependencies: [c]}\n  - {id: b, agentName: worker, dependencies: [a]}\n  - {id: c, agentName: worker, dependencies: [b]}\n',
  );
  writeFileSync(join(folder, 'unknown-agent.yaml'), 'name: Unknown\ntasks:\n  - {id: a, agentName: backend-archtect}\n');
  mkdirSync(join(folder, 'empty'), { recursive: true });
});

const ensemble = (...args: string[]) => runCli([...args, '--db', db, '--agents-dir', agentsDir], { cwd: folder });

describe('ensemble workflows show FILE', () => {
  it('shows a file like a template: description, parameters with types, defaults and required, the task graph', async () => {
    const result = await ensemble('workflows', 'show', 'api.yaml');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('api.yaml · Custom API Development');
    expect(lines[1]).toBe('Designs and builds a REST API for one resource');
    expect(lines[2]).toContain('category development');
    expect(lines[2]).toContain('tags api, backend');
    expect(result.stdout).toMatch(/NAME\s+TYPE\s+REQUIRED\s+DEFAULT\s+VALUE\s+DESCRIPTION/);
    expect(result.stdout).toMatch(/resource\s+string\s+yes\s+-\s+<resource>\s+The resource the API serves/);
    expect(result.stdout).toMatch(/endpoints\s+array\s+no\s+\["list","get"\]\s+\["list","get"\]\s+Endpoints to build/);
    expect(result.stdout).toMatch(/port\s+integer\s+no\s+8080\s+8080/);
    expect(result.stdout).toContain(['Level 1', '└─ design-api · worker · priority 5', '   Design the <resource> API (list, get)', 'Level 2', '└─ implement-api · worker · priority 5', '   after design-api', '   Implement it'].join('\n'));
  });

  it('takes --param (an array parameter may repeat) and shows the tasks after substitution, also as JSON', async () => {
    const result = await ensemble('workflows', 'show', 'api.yaml', '--param', 'resource=invoice', '--param', 'endpoints=create', '--param', 'endpoints=delete', '--json');
    expect(result.code).toBe(0);
    const { workflow } = JSON.parse(result.stdout) as {
      workflow: { name: string; description: string; parameterSchema: Record<string, unknown>; parameters: Record<string, unknown>; tasks: { id: string; description: string; prompt: string }[] };
    };
    expect(workflow.description).toBe('Designs and builds a REST API for one resource');
    expect(workflow.parameterSchema).toEqual({
      resource: { type: 'string', required: true, description: 'The resource the API serves' },
      endpoints: { type: 'array', default: ['list', 'get'], description: 'Endpoints to build' },
      port: { type: 'integer', default: 8080 },
    });
    expect(workflow.parameters).toEqual({ resource: 'invoice', endpoints: ['create', 'delete'], port: 8080 });
    expect(workflow.tasks[0]).toMatchObject({ description: 'Design the invoice API (create, delete)', prompt: 'Design a RESTful API for invoice on port 8080' });
  });

  it('validates the graph as run does: a cycle or an unknown agent exits 2 naming it', async () => {
    const cycle = await ensemble('workflows', 'show', 'cycle.yaml');
    expect(cycle.code).toBe(2);
    expect(cycle.stderr).toMatch(/GRAPH_CYCLE.*dependency cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/s);
    expect(cycle.stdout).toBe('');
    const unknown = await ensemble('workflows', 'show', 'unknown-agent.yaml');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/UNKNOWN_AGENT.*"backend-archtect"/s);
  });

  it('shows a template with --param substituted', async () => {
    const result = await ensemble('workflows', 'show', 'feature', '--param', 'feature=user login', '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { template: { id: string; buildTasks?: unknown }; workflow: { parameters: Record<string, unknown>; tasks: { prompt: string }[] } };
    expect(parsed.template.id).toBe('feature');
    expect(parsed.template.buildTasks).toBeUndefined();
    expect(parsed.workflow.parameters).toMatchObject({ feature: 'user login' });
    expect(parsed.workflow.tasks[0]!.prompt).toContain('Feature: user login');
  });
});

describe('strict flags', () => {
  const badIntegers = ['1e2', '0x10', ' 5', '5.0', '+5', '-1', ''];
  for (const value of badIntegers) {
    it(`rejects --concurrency ${JSON.stringify(value)} with exit 2, naming the flag and the value`, async () => {
      const result = await ensemble('run', 'feature', '--param', 'feature=x', '--concurrency', value);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--concurrency: expected an integer from 1 to 1000 (decimal digits only), got "${value}"`);
    });
  }

  it('holds every integer flag to decimal digits', async () => {
    const cases: [string[], string][] = [
      [['run', 'feature', '--param', 'feature=x', '--timeout', '1e3'], '--timeout'],
      [['run', 'feature', '--param', 'feature=x', '--max-tokens', '0x100'], '--max-tokens'],
      [['runs', '-n', '1e1'], '--limit'],
      [['memory', 'list', 'worker', '-n', '0x10'], '--limit'],
      [['chat', 'worker', 'hi', '--memory-exchanges', '1e1'], '--memory-exchanges'],
      [['chat', 'worker', 'hi', '--memory-tokens', ' 10'], '--memory-tokens'],
      [['chat', 'worker', 'hi', '--timeout', '1.5'], '--timeout'],
    ];
    for (const [args, flag] of cases) {
      const result = await ensemble(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(`${flag}: expected an integer`);
    }
    const cost = await ensemble('run', 'feature', '--param', 'feature=x', '--max-cost', ' 0.5');
    expect(cost.code).toBe(2);
    expect(cost.stderr).toContain('--max-cost: expected a positive amount of dollars such as 0.50, got " 0.5"');
  });

  it('regression #12: rejects an unknown --permissions ceiling, naming the flag and the value', async () => {
    const flag = await ensemble('run', 'feature', '--param', 'feature=x', '--permissions', 'write');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--permissions: expected read, edit or full, got "write"');
  });

  it('rejects a repeated --param naming the parameter (the last one used to win silently)', async () => {
    const result = await ensemble('run', 'feature', '--param', 'feature=login', '--param', 'feature=logout');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--param feature: given 2 times ("login", "logout"); a string parameter takes one value (only array parameters may repeat)');
    const listed = await ensemble('runs', '--json');
    expect(JSON.parse(listed.stdout)).toEqual({ runs: [] });
  });
});

describe('ensemble memory of an unknown agent', () => {
  it('exits 2 with "did you mean" when the name is neither defined nor remembered (it used to exit 0)', async () => {
    const typo = await ensemble('memory', 'list', 'workr');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('error [UNKNOWN_AGENT]: unknown agent "workr" (did you mean "worker"?');
    const far = await ensemble('memory', 'clear', 'zzz-nobody');
    expect(far.code).toBe(2);
    expect(far.stderr).toContain('unknown agent "zzz-nobody"');
    const known = await ensemble('memory', 'list', 'worker');
    expect(known.code).toBe(0);
    expect(known.stdout).toContain('agent "worker" remembers nothing');
  });
});
