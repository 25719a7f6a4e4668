import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { isEnsembleError } from '../../core/index.js';
import { loadAgentRegistry } from './load-agent-registry.js';
import { createTempFolder } from '../../../test/helpers/temp-folder.js';

let root: string;
let cwd: string;
let homeDir: string;

beforeEach(() => {
  const temp = createTempFolder('ensemble-agents-test-');
  root = temp.folder;
  cwd = join(root, 'project');
  homeDir = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(homeDir);
  return temp.remove;
});

function writeAgent(dir: string, name: string, description = `${name} agent`, extraLines: readonly string[] = []): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.md`);
  writeFileSync(path, ['---', `name: ${name}`, `description: ${description}`, ...extraLines, '---', `You are ${name}.`, ''].join('\n'));
  return path;
}

const REQUIRED_BUILTINS = [
  'analyzer', 'designer', 'developer', 'tester', 'reviewer', 'code-reviewer', 'security-auditor', 'performance-engineer',
  'test-automator', 'docs-architect', 'backend-architect', 'frontend-developer', 'database-optimizer',
  'frontend-security-coder', 'backend-security-coder', 'cloud-architect', 'deployment-engineer', 'devops-troubleshooter',
  'solutions-architect', 'refactorer', 'project-manager',
];

/** Coding-agent CLIs shipped as ready `cli` definitions. */
const CLI_BUILTINS = ['claude-code', 'gemini-cli', 'codex', 'aider'];

describe('loadAgentRegistry', () => {
  it('loads the built-in catalogue: at least 29 roles with categories and real prompts', () => {
    const registry = loadAgentRegistry({ cwd, homeDir });
    expect(registry.size).toBeGreaterThanOrEqual(29);
    for (const name of REQUIRED_BUILTINS) expect(registry.has(name), name).toBe(true);
    for (const agent of registry.list()) {
      expect(agent.source).toBe('builtin');
      expect(agent.description.length).toBeGreaterThan(20);
      const lines = agent.prompt.split('\n').length;
      expect(lines, agent.name).toBeGreaterThanOrEqual(15);
      // A cli preset's body is its user notes (flags, keys, trust), not a prompt: it may run longer.
      expect(lines, agent.name).toBeLessThanOrEqual(agent.runtime === 'cli' ? 100 : 40);
      if (agent.runtime === 'cli') {
        expect(CLI_BUILTINS, agent.name).toContain(agent.name);
        expect(agent.category).toBe('development');
        // Issue 12: the coding CLIs take the prompt on stdin (never a flag) and map the permission ceiling; aider takes it as --message.
        if (agent.name === 'aider') expect(agent.command, agent.name).toContain('{prompt}');
        else expect(agent.command, agent.name).toContain('{permissions}');
        continue;
      }
      expect(agent.runtime).toBe('llm');
      expect(agent.tools.length, agent.name).toBeGreaterThan(0);
      expect(['haiku', 'sonnet', 'opus']).toContain(agent.model);
    }
    for (const name of CLI_BUILTINS) expect(registry.get(name)?.runtime, name).toBe('cli');
    expect(registry.categories()).toEqual(
      expect.arrayContaining(['development', 'quality', 'testing', 'security', 'performance', 'devops', 'documentation']),
    );
    expect(registry.get('security-auditor')?.category).toBe('security');
  });

  it('applies precedence: --agents-dir in order, ./agents, ./.claude/agents, ~/.claude/agents, built-ins', () => {
    const first = join(root, 'first');
    const second = join(root, 'second');
    const folders = [first, second, join(cwd, 'agents'), join(cwd, '.claude', 'agents'), join(homeDir, '.claude', 'agents')];
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    // Agent names[i] exists in folders i..4: its winner must be folders[i].
    folders.forEach((folder, folderIndex) => {
      names.slice(0, folderIndex + 1).forEach((name) => writeAgent(folder, name, `${name} from folder ${folderIndex}`));
    });
    const registry = loadAgentRegistry({ agentDirs: [first, 'second'], cwd: root, homeDir, includeBuiltins: false });
    // cwd is root here so "second" resolves relative to it; project folders then come from root.
    expect(registry.get('alpha')?.description).toBe('alpha from folder 0');
    expect(registry.get('bravo')?.description).toBe('bravo from folder 1');

    const fromProject = loadAgentRegistry({ agentDirs: [first, second], cwd, homeDir, includeBuiltins: false });
    names.forEach((name, index) => expect(fromProject.get(name)?.description, name).toBe(`${name} from folder ${index}`));
    expect(fromProject.get('echo')?.source).toBe(join(homeDir, '.claude', 'agents', 'echo.md'));
  });

  it('lets a user definition override a built-in, warning once', () => {
    const warnings: string[] = [];
    const path = writeAgent(join(cwd, 'agents'), 'reviewer', 'my reviewer');
    writeAgent(join(homeDir, '.claude', 'agents'), 'reviewer', 'home reviewer');
    const registry = loadAgentRegistry({ cwd, homeDir, onWarning: (message) => warnings.push(message) });
    expect(registry.get('reviewer')?.description).toBe('my reviewer');
    expect(registry.get('reviewer')?.source).toBe(path);
    expect(warnings).toEqual([`agent "reviewer" from ${path} overrides the built-in one`]);
  });

  it('fails on an --agents-dir that does not exist, and ignores missing default folders', () => {
    let caught: unknown;
    try {
      loadAgentRegistry({ agentDirs: ['nope'], cwd, homeDir });
    } catch (error) {
      caught = error;
    }
    expect(isEnsembleError(caught) && caught.code).toBe('INVALID_INPUT');
    expect((caught as Error).message).toContain('--agents-dir "nope"');
    expect(loadAgentRegistry({ cwd, homeDir, includeBuiltins: false }).size).toBe(0);
  });

  it('skips a malformed user file with a warning naming it and the reason, and loads the rest', () => {
    const dir = join(cwd, 'agents');
    writeAgent(dir, 'good');
    const bad = join(dir, 'bad.md');
    writeFileSync(bad, '---\nname: bad\ndescription: d\nruntime: shell\n---\n');
    writeFileSync(join(dir, 'README.md'), '# My agents\n\nNot a definition.\n');
    const warnings: string[] = [];
    const registry = loadAgentRegistry({ cwd, homeDir, includeBuiltins: false, onWarning: (message) => warnings.push(message) });
    expect(registry.list().map((agent) => agent.name)).toEqual(['good']);
    expect(warnings).toEqual([`skipped ${bad}: runtime: expected one of llm, cli, command, simulated`]);
  });

  it('throws on a malformed built-in', () => {
    const builtinDir = join(root, 'catalogue');
    writeAgent(builtinDir, 'fine');
    writeFileSync(join(builtinDir, 'broken.md'), '---\nname: broken\n---\n');
    expect(() => loadAgentRegistry({ cwd, homeDir, builtinDir })).toThrow(/broken\.md: description: required/);
  });

  it('reads a folder once when paths alias it, and reads subfolders', () => {
    const dir = join(cwd, 'agents');
    writeAgent(dir, 'one');
    writeAgent(join(dir, 'nested', 'deeper'), 'two');
    mkdirSync(join(cwd, '.claude'));
    symlinkSync(dir, join(cwd, '.claude', 'agents'));
    const warnings: string[] = [];
    const registry = loadAgentRegistry({ agentDirs: ['./agents'], cwd, homeDir, includeBuiltins: false, onWarning: (message) => warnings.push(message) });
    expect(registry.list().map((agent) => agent.name)).toEqual(['one', 'two']);
    expect(warnings).toEqual([]);
  });

  it('warns about two files with the same name in one folder and keeps the first', () => {
    const dir = join(cwd, 'agents');
    const first = writeAgent(dir, 'a-twin', 'first');
    mkdirSync(join(dir, 'z'));
    const second = join(dir, 'z', 'other.md');
    writeFileSync(second, '---\nname: a-twin\ndescription: second\n---\n');
    const warnings: string[] = [];
    const registry = loadAgentRegistry({ cwd, homeDir, includeBuiltins: false, onWarning: (message) => warnings.push(message) });
    expect(registry.get('a-twin')?.description).toBe('first');
    expect(warnings).toEqual([`agent "a-twin" is defined twice in ${dir}: ${first} is used, ${second} is ignored`]);
  });

  it('treats ./agents as the catalogue when it is the catalogue folder (running inside ensemble)', () => {
    const warnings: string[] = [];
    const registry = loadAgentRegistry({ cwd: process.cwd(), homeDir, onWarning: (message) => warnings.push(message) });
    expect(registry.get('analyzer')?.source).toBe('builtin');
    expect(warnings).toEqual([]);
  });

  it('loads a folder of 200 definitions correctly', () => {
    const dir = join(root, 'collection');
    for (let index = 0; index < 200; index++) {
      const category = ['development', 'security', 'testing', 'devops'][index % 4]!;
      writeAgent(join(dir, category), `agent-${String(index).padStart(3, '0')}`, `Agent number ${index}`, [
        `category: ${category}`,
        'tools: Read, Grep, Glob',
        'model: sonnet',
        'color: purple',
      ]);
    }
    const startedAt = performance.now();
    const registry = loadAgentRegistry({ agentDirs: [dir], cwd, homeDir, includeBuiltins: false });
    const elapsedMs = performance.now() - startedAt;
    // Reported, never asserted: timing depends on the machine.
    console.info(`loaded 200 agent definitions in ${elapsedMs.toFixed(1)} ms`);
    expect(registry.size).toBe(200);
    expect(registry.list({ category: 'security' })).toHaveLength(50);
    expect(registry.get('agent-137')).toMatchObject({ description: 'Agent number 137', category: 'security', tools: ['Read', 'Grep', 'Glob'], extra: { color: 'purple' } });
  });
});
