import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityPayload, ActivityReporter } from '../../core/index.js';
import type { AgentInvocation } from '../agent-runtime.js';
import type { AgentDefinition } from '../registry/parse-agent-definition.js';
import { createSimulatedRuntime } from './simulated-runtime.js';
import { MAX_SIMULATED_CANDIDATES, pickFiles } from './explore-workspace.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function workspace(files: Record<string, string>): string {
  const folder = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-simulated-')));
  folders.push(folder);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
}

function invocation(workspaceDir: string, tools: readonly string[], events: ActivityPayload<'agent:tool'>[], taskId = 'security'): AgentInvocation {
  const agent: AgentDefinition = { name: 'security-auditor', description: 'audits', category: 'security', runtime: 'llm', tools, prompt: 'You audit.', source: 'builtin', extra: {} };
  const reportEvent = ((type, payload) => {
    if (type === 'agent:tool') events.push(payload as ActivityPayload<'agent:tool'>);
  }) as ActivityReporter;
  return {
    agent,
    workspaceDir,
    model: 'sonnet',
    reportEvent,
    request: {
      runId: 'run-1',
      attempt: 1,
      executionId: `run-1:${taskId}:1`,
      inputs: [],
      context: [],
      permissions: 'read',
      task: { id: taskId, agentName: agent.name, description: 'Review security', prompt: 'Audit the code.', dependencies: [], priority: 5 },
    },
  };
}

const FILES = {
  'src/app.ts': '// entry\n\nexport function start(port: number): void {\n  listen(port);\n}\n',
  'src/db.py': 'import os\n\ndef connect(url):\n    return os.environ[url]\n',
  'README.md': '# Demo\n\nA small app.\n',
  'logo.png': '\u0089PNG\r\n',
  'node_modules/lib/index.js': 'export const hidden = 1;\n',
};
const runtime = createSimulatedRuntime({ latencyMs: 0 });
const signal = new AbortController().signal;

describe('simulated agents use the workspace tools (issue 7)', () => {
  it('Globs the workspace and Reads 1–3 files through the real tools, reporting each call, and names real lines', async () => {
    const folder = workspace(FILES);
    const events: ActivityPayload<'agent:tool'>[] = [];
    const outcome = await runtime.run(invocation(folder, ['Read', 'Glob', 'Grep'], events), signal);
    expect(outcome.output.startsWith('[simulated output')).toBe(true);
    expect(events[0]).toMatchObject({ tool: 'Glob', state: 'start', input: '**/*' });
    expect(events[1]).toMatchObject({ tool: 'Glob', state: 'end', ok: true });
    const reads = events.filter((event) => event.tool === 'Read' && event.state === 'end');
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads.length).toBeLessThanOrEqual(3);
    expect(reads.every((event) => event.ok === true)).toBe(true);
    expect(outcome.output).toContain('## Workspace files read (simulated)');
    const cited = [...outcome.output.matchAll(/^- (\S+):(\d+): `(.*)` — /gm)].map((match) => ({ path: match[1]!, line: Number(match[2]), text: match[3]! }));
    expect(cited).toHaveLength(reads.length);
    for (const { path, line, text } of cited) {
      expect(Object.keys(FILES)).toContain(path);
      expect(path).not.toMatch(/node_modules|\.png$/);
      expect((FILES as Record<string, string>)[path]!.split('\n')[line - 1]!.trim()).toBe(text);
    }
  });

  it('gives the same output and the same calls for the same workspace and task', async () => {
    const folder = workspace(FILES);
    const first: ActivityPayload<'agent:tool'>[] = [];
    const second: ActivityPayload<'agent:tool'>[] = [];
    const one = await runtime.run(invocation(folder, [], first), signal);
    const two = await runtime.run(invocation(folder, [], second), signal);
    expect(two.output).toBe(one.output);
    const strip = (events: ActivityPayload<'agent:tool'>[]) => events.map(({ tool, state, input, ok }) => ({ tool, state, input, ok }));
    expect(strip(second)).toEqual(strip(first));
  });

  it('uses no tools when the agent is not given Glob and Read, and answers without files when the workspace has none', async () => {
    const events: ActivityPayload<'agent:tool'>[] = [];
    const withoutTools = await runtime.run(invocation(workspace(FILES), ['Write'], events), signal);
    expect(events).toEqual([]);
    expect(withoutTools.output).not.toContain('Workspace files read');
    const empty = await runtime.run(invocation(workspace({}), ['Read', 'Glob'], events), signal);
    expect(events.map((event) => event.tool)).toEqual(['Glob', 'Glob']);
    expect(empty.output).not.toContain('Workspace files read');
  });

  it('considers a bounded number of files on a large workspace, and picks 1–3 of them by the task id', async () => {
    const many = Object.fromEntries(Array.from({ length: MAX_SIMULATED_CANDIDATES + 300 }, (_, index) => [`src/f${String(index).padStart(4, '0')}.ts`, `export const v${index} = ${index};\n`]));
    const events: ActivityPayload<'agent:tool'>[] = [];
    const startedAt = performance.now();
    await runtime.run(invocation(workspace(many), ['Read', 'Glob'], events), signal);
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(events.filter((event) => event.tool === 'Read' && event.state === 'end').length).toBeLessThanOrEqual(3);
    const candidates = ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'];
    expect(pickFiles(candidates, 'task-x')).toEqual(pickFiles([...candidates].reverse().sort(), 'task-x'));
    for (const taskId of ['a', 'b', 'c', 'd', 'e', 'f']) expect(pickFiles(candidates, taskId).length).toBeGreaterThanOrEqual(1);
    expect(pickFiles([], 'a')).toEqual([]);
  }, 20_000);
});
