import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepository } from './helpers/git-repository.js';
import { makeTempDir, parseNdjson, runCli } from './helpers/cli.js';
import { startOpenAiChatToolServer, type ChatRequestBody, type ChatScriptedPart, type OpenAiChatToolServer } from './helpers/wire/openai-chat-tool-server.js';

// Issue 7: `ensemble run feature` and `code-review` against an OpenAI-compatible server (as Ollama or
// vLLM would be), on a real git repository: the model is scripted at the wire, the tools are real.

const BUGGY = 'export function add(a, b) {\n  return a - b;\n}\n';
const FIXED = 'export function add(a, b) {\n  return a + b;\n}\n';
const TEST = "import { add } from './src/math.js';\nif (add(2, 3) !== 5) { console.error('add(2, 3) should be 5'); process.exit(1); }\nconsole.log('1 test passed');\n";

/** One script per agent of the pipeline, told apart by the task prompt the template wrote. */
function scriptFor(body: ChatRequestBody): readonly (readonly ChatScriptedPart[])[] {
  const prompt = body.messages.filter((message) => message.role === 'user').map((message) => (typeof message.content === 'string' ? message.content : JSON.stringify(message.content))).join('\n');
  if (prompt.includes('Implement the feature')) {
    return [
      [{ type: 'tool_call', id: 'implement-read', name: 'Read', arguments: { file_path: 'src/math.js' } }],
      [{ type: 'tool_call', id: 'implement-edit', name: 'Edit', arguments: { file_path: 'src/math.js', old_string: 'return a - b;', new_string: 'return a + b;' } }],
      [{ type: 'text', text: 'Changed src/math.js: add now adds.' }],
    ];
  }
  if (prompt.includes('Write and run tests')) {
    return [[{ type: 'tool_call', id: 'test-bash', name: 'Bash', arguments: { command: 'npm test --silent' } }], [{ type: 'text', text: 'npm test: 1 test passed.' }]];
  }
  if (prompt.includes('Review the whole change')) {
    // The reviewer is read-only (no Bash, whatever the ceiling): it reads the files the developer named.
    return [[{ type: 'tool_call', id: 'review-read', name: 'Read', arguments: { file_path: 'src/math.js' } }], [{ type: 'text', text: 'Approved: src/math.js:2 now returns a + b.' }]];
  }
  if (prompt.includes('Review target')) {
    return [[{ type: 'tool_call', id: `review-${body.messages.length}`, name: 'Read', arguments: { file_path: 'src/math.js' } }], [{ type: 'text', text: 'src/math.js:2: subtracts where it should add.' }]];
  }
  return [[{ type: 'tool_call', name: 'Glob', arguments: { pattern: '**/*.js' } }], [{ type: 'text', text: 'The code is in src/math.js.' }]];
}

let server: OpenAiChatToolServer;
let root: string;

beforeAll(async () => {
  server = await startOpenAiChatToolServer({ turns: [], turnsFor: scriptFor, models: ['qwen2.5-coder'] });
  root = makeTempDir('ensemble-feature-');
});

afterAll(async () => {
  await server.close();
});

function gitRepository(name: string): string {
  const packageJson = JSON.stringify({ name: 'demo', type: 'module', scripts: { test: 'node test.js' } });
  return makeGitRepository(join(root, name), { 'package.json': packageJson, 'src/math.js': BUGGY, 'test.js': TEST });
}

/** stderr lines besides the one-time note that a local model has no price (its cost counts as $0). */
const otherThanPriceNotice = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !line.startsWith('ensemble: no price is known'));

const providerEnv = () => ({ PATH: process.env.PATH, HOME: root, OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'test-key', ENSEMBLE_MODEL: 'qwen2.5-coder' });

describe('tool-using agents on a real repository (issue 7)', () => {
  it('ensemble run feature: the developer edits the file, the tester runs the tests, the reviewer reads the diff; the evidence is the real change', async () => {
    const workspace = gitRepository('feature');
    const result = await runCli(['run', 'feature', '--param', 'feature=make add add', '--permissions', 'full', '--json', '--db', join(root, 'feature.db')], {
      cwd: workspace,
      env: providerEnv(),
      timeoutMs: 120_000,
    });
    expect(otherThanPriceNotice(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    expect(readFileSync(join(workspace, 'src', 'math.js'), 'utf8')).toBe(FIXED);
    const events = parseNdjson(result.stdout);
    const complete = (taskId: string) => events.find((event) => event.type === 'task:complete' && event.taskId === taskId) as { evidence: Record<string, string> } | undefined;
    expect(complete('implement')?.evidence).toMatchObject({ runtime: 'llm', permissions: 'full', toolCalls: 2, reportedChanges: [{ path: 'src/math.js' }] });
    expect(complete('implement')?.evidence.diff).toContain('-  return a - b;\n+  return a + b;');
    // The tests ran for real, on the fixed code: the tool result the model got back says so.
    expect(server.toolResults().some((result) => result.content.includes('1 test passed'))).toBe(true);
    expect(server.toolResults().find((result) => result.toolCallId === 'review-read')?.content).toContain('2\t  return a + b;');
    const tools = events.filter((event) => event.type === 'agent:tool' && event.state === 'end').map((event) => `${String(event.taskId)}:${String(event.tool)}:${String(event.ok)}`);
    expect(tools).toEqual(expect.arrayContaining(['implement:Read:true', 'implement:Edit:true', 'test:Bash:true', 'review:Read:true']));
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', summary: { successfulTasks: 5 } });
    expect((events.at(-1) as { summary: { toolCalls: number } }).summary.toolCalls).toBe(tools.length);
  }, 150_000);

  it('ensemble run code-review: reviewers read the code under the default ceiling and cite real lines; Bash is not even offered', async () => {
    const workspace = gitRepository('review');
    const result = await runCli(['run', 'code-review', '--param', 'target=src', '--json', '--db', join(root, 'review.db')], { cwd: workspace, env: providerEnv(), timeoutMs: 120_000 });
    expect(otherThanPriceNotice(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    const reads = parseNdjson(result.stdout).filter((event) => event.type === 'agent:tool' && event.tool === 'Read' && event.state === 'end');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((event) => event.ok === true && event.input === 'src/math.js')).toBe(true);
    expect(server.toolResults().some((result) => /2\t {2}return a - b;/.test(result.content))).toBe(true);
    const reviewRequests = server.chatRequests().filter((body) => JSON.stringify(body.messages).includes('Review target'));
    expect(reviewRequests.length).toBeGreaterThan(0);
    for (const body of reviewRequests) expect(body.tools).not.toContain('Bash');
    expect(readFileSync(join(workspace, 'src', 'math.js'), 'utf8')).toBe(BUGGY);
  }, 150_000);
});
