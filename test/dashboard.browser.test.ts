import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { repoRoot, startCli } from './helpers/cli.js';
import { openAiChunk, openAiErrorReply, openAiModelsReply, startProviderServer, type Reply } from './helpers/provider-servers.js';
import { startServeProcess, type ServeProcess } from './helpers/serve-process.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';

/** Each simulated task takes this long, so a run's states can be watched change (code-review: 2 levels, fullstack-dev: 5). */
const LATENCY_MS = 1500;
/** Every browser wait is bounded by this. */
const WAIT_MS = 30_000;
const artifactsDir = join(repoRoot, 'test-artifacts');
/** `ENSEMBLE_UPDATE_SCREENSHOTS=1` also copies the mid-run screenshot to docs/dashboard.png (the README's). */
const shouldUpdateDocs = process.env.ENSEMBLE_UPDATE_SCREENSHOTS === '1';

interface JournalEvent {
  readonly type: string;
  readonly seq: number;
  readonly taskId?: string;
  readonly state?: string;
  readonly output?: string;
}

describe('the dashboard, in Chromium, against `ensemble serve`', { timeout: 120_000 }, () => {
  let temp: TempFolder | undefined;
  let workspace: string;
  let dbPath: string;
  let server: ServeProcess | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  const requestedUrls: string[] = [];
  /** Every `ensemble serve` the page was pointed at. */
  const servers: ServeProcess[] = [];
  const pageErrors: string[] = [];

  async function getJson<T>(path: string): Promise<T> {
    const response = await fetch(`${server!.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status, `GET ${path}`).toBe(200);
    return (await response.json()) as T;
  }

  /** The journal of a finished run, as its SSE stream replays it (the stream closes after the end event). */
  async function readRunEvents(runId: string): Promise<JournalEvent[]> {
    const response = await fetch(`${server!.url}/api/runs/${runId}/events`, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice('data: '.length)) as JournalEvent);
  }

  async function screenshot(name: string): Promise<string> {
    const path = join(artifactsDir, `dashboard-${name}.png`);
    await page.screenshot({ path });
    return path;
  }

  /** The run id of the run view the page shows. */
  async function openedRunId(): Promise<string> {
    await page.waitForURL(/#\/runs\/[^/]+$/, { timeout: WAIT_MS });
    return decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''));
  }

  const taskNode = (taskId: string, status?: string): ReturnType<Page['locator']> =>
    page.locator(`[data-testid="task-node"][data-task-id="${taskId}"]${status === undefined ? '' : `[data-status="${status}"]`}`);

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'dist', 'web', 'index.html'))) {
      throw new Error('dist/web is missing: run `npm run build` (it runs scripts/build-web.mjs) before this test');
    }
    temp = createTempFolder('ensemble-dashboard-');
    workspace = join(temp.folder, 'workspace');
    mkdirSync(join(workspace, 'src'), { recursive: true });
    // Something for the simulated reviewers to Glob and Read, so tool calls show in the panel.
    writeFileSync(join(workspace, 'src', 'cart.ts'), 'export function total(prices: number[]): number {\n  return prices.reduce((sum, price) => sum + price, 0);\n}\n');
    dbPath = join(temp.folder, 'ensemble.db');
    mkdirSync(artifactsDir, { recursive: true });
    // The browser first: without one, the suite fails before starting anything.
    browser = await launchChromium();
    server = await startServeProcess({ cwd: workspace, dbPath, env: { ENSEMBLE_SIMULATED_LATENCY_MS: String(LATENCY_MS) } });
    servers.push(server);
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    context.on('request', (request) => requestedUrls.push(request.url()));
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    temp?.remove();
  });

  let reviewRunId: string;

  it('starts a run from the form and shows its tasks change state live', async () => {
    await page.goto(`${server!.url}/#/new`);
    await page.getByTestId('template-select').selectOption('code-review');
    await page.getByTestId('start-run').click();
    reviewRunId = await openedRunId();

    const running = page.locator('[data-testid="task-node"][data-status="running"]').first();
    await running.waitFor();
    const runningTaskId = await running.getAttribute('data-task-id');
    expect(runningTaskId).toBeTruthy();
    await page.locator('[data-testid="run-status"][data-status="running"]').waitFor();
    await screenshot('code-review-running');
    // The same box, seen running, turns succeeded without a reload.
    await taskNode(runningTaskId!, 'succeeded').waitFor();
    await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor();
    await screenshot('code-review-succeeded');

    expect(await page.getByTestId('task-node').count()).toBe(6);
    expect(await page.locator('[data-testid="task-node"][data-status="succeeded"]').count()).toBe(6);
    expect(await page.locator('.simulated-badge').isVisible()).toBe(true);
    // Each event was applied once: the header's total is the journal's.
    const detail = await getJson<{ run: { totalTokens: number; status: string } }>(`/api/runs/${reviewRunId}`);
    expect(detail.run.status).toBe('succeeded');
    expect(detail.run.totalTokens).toBeGreaterThan(0);
    expect(Number(await page.getByTestId('run-tokens').getAttribute('data-value'))).toBe(detail.run.totalTokens);
  });

  it("opens a task's panel with its prompt, its output and its tool calls", async () => {
    expect(reviewRunId).toBeDefined();
    await page.goto(`${server!.url}/#/runs/${reviewRunId}`);
    await taskNode('security', 'succeeded').click();
    const panel = page.getByTestId('task-panel');
    await panel.waitFor({ state: 'visible' });
    expect(await panel.getAttribute('data-task-id')).toBe('security');

    const events = await readRunEvents(reviewRunId);
    const completed = events.find((event) => event.type === 'task:complete' && event.taskId === 'security');
    expect(completed?.output).toContain('simulated output');
    await page.getByTestId('task-output').filter({ hasText: 'simulated output' }).waitFor();
    expect(await page.getByTestId('task-output').textContent()).toBe(completed!.output);

    const detail = await getJson<{ tasks: { id: string; prompt: string }[] }>(`/api/runs/${reviewRunId}`);
    const prompt = detail.tasks.find((task) => task.id === 'security')?.prompt;
    expect(prompt).toContain('security');
    expect(await panel.locator('.task-prompt').textContent()).toBe(prompt);

    const toolCalls = events.filter((event) => event.type === 'agent:tool' && event.taskId === 'security' && event.state === 'end');
    expect(toolCalls.length).toBeGreaterThan(0);
    expect(await panel.locator('.tool-call').count()).toBe(toolCalls.length);
    await screenshot('task-panel');
  });

  let cancelledRunId: string;

  it('cancels a running run from its page; the header and the run list say cancelled', async () => {
    await page.goto(`${server!.url}/#/new`);
    await page.getByTestId('template-select').selectOption('fullstack-dev');
    await page.locator('#parameter-projectType').fill('a to-do web app with shared lists');
    await page.getByTestId('start-run').click();
    cancelledRunId = await openedRunId();

    // Mid-run: the design is done and the two builders it feeds are at work.
    await taskNode('design', 'succeeded').waitFor();
    await taskNode('backend', 'running').waitFor();
    await taskNode('design').click();
    await page.getByTestId('task-output').filter({ hasText: 'simulated output' }).waitFor();
    const midRun = await screenshot('mid-run');
    if (shouldUpdateDocs) {
      mkdirSync(join(repoRoot, 'docs'), { recursive: true });
      copyFileSync(midRun, join(repoRoot, 'docs', 'dashboard.png'));
    }

    await page.locator('[data-testid="run-status"][data-status="running"]').waitFor();
    await page.getByTestId('cancel-run').click();
    await page.locator('[data-testid="run-status"][data-status="cancelled"]').waitFor();
    expect(await page.locator('[data-testid="task-node"][data-status="cancelled"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="task-node"][data-status="running"]').count()).toBe(0);
    expect(await page.getByTestId('cancel-run').isDisabled()).toBe(true);
    expect(await page.getByTestId('resume-run').isEnabled()).toBe(true);
    await screenshot('cancelled');

    await page.goto(`${server!.url}/#/runs`);
    await page.locator(`[data-testid="run-row"][data-run-id="${cancelledRunId}"][data-status="cancelled"]`).waitFor();
    await screenshot('run-list');
  });

  it('resumes the cancelled run from its page and follows it to the end', async () => {
    expect(cancelledRunId).toBeDefined();
    await page.goto(`${server!.url}/#/runs/${cancelledRunId}`);
    await page.locator('[data-testid="run-status"][data-status="cancelled"]').waitFor();
    await page.getByTestId('resume-run').click();
    // The stream that closed with the cancel is opened again and followed to the resumed execution's end.
    await page.locator('[data-testid="run-status"][data-status="running"]').waitFor();
    await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor();
    expect(await page.locator('[data-testid="task-node"][data-status="succeeded"]').count()).toBe(6);
    const detail = await getJson<{ run: { totalTokens: number; status: string } }>(`/api/runs/${cancelledRunId}`);
    expect(detail.run.status).toBe('succeeded');
    expect(Number(await page.getByTestId('run-tokens').getAttribute('data-value'))).toBe(detail.run.totalTokens);

    // Opened afresh, the replay holds both executions: the cancelled one's end must not stop it before the resumed one's.
    await page.goto(`${server!.url}/#/runs`);
    await page.goto(`${server!.url}/#/runs/${cancelledRunId}`);
    await expect.poll(() => page.locator('[data-testid="task-node"][data-status="succeeded"]').count(), { timeout: 15_000 }).toBe(6);
    await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor();
    expect(Number(await page.getByTestId('run-tokens').getAttribute('data-value'))).toBe(detail.run.totalTokens);
  });

  it('lists, live, a run the CLI starts in another process on the same journal', async () => {
    await page.goto(`${server!.url}/#/runs`);
    await page.getByTestId('run-list').waitFor();
    // Set on this page load: still there at the end means the run appeared without a reload.
    await page.evaluate('window.ensembleTestMarker = 42');

    const cli = startCli(['run', 'code-review', '--db', dbPath, '--json'], { cwd: workspace, env: { ENSEMBLE_SIMULATED_LATENCY_MS: String(LATENCY_MS) } });
    let stdout = '';
    let stderr = '';
    cli.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exitCode = new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        cli.kill('SIGKILL');
        reject(new Error(`ensemble run did not finish within ${WAIT_MS} ms\n${stderr}`));
      }, WAIT_MS);
      cli.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    const runId = await new Promise<string>((resolve, reject) => {
      cli.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const firstLine = stdout.split('\n')[0];
        if (firstLine !== undefined && stdout.includes('\n')) resolve((JSON.parse(firstLine) as { runId: string }).runId);
      });
      cli.once('exit', () => reject(new Error(`ensemble run printed no event\n${stdout}\n${stderr}`)));
    });

    const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
    await row.waitFor();
    expect(['running', 'succeeded']).toContain(await row.getAttribute('data-status'));
    await page.locator(`[data-testid="run-row"][data-run-id="${runId}"][data-status="succeeded"]`).waitFor();
    expect(await exitCode).toBe(0);
    expect(await page.evaluate('window.ensembleTestMarker')).toBe(42);
    await screenshot('run-list-with-cli-run');
  });

  it("shows the server's own message beside the form when the input is invalid, and starts nothing", async () => {
    const before = await getJson<{ runs: unknown[] }>('/api/runs');
    await page.goto(`${server!.url}/#/new`);
    // testing-suite's `target` is required and has no default; the form leaves it empty.
    await page.getByTestId('template-select').selectOption('testing-suite');
    const answer = page.waitForResponse((response) => response.url().endsWith('/api/workflows/execute') && response.request().method() === 'POST');
    await page.getByTestId('start-run').click();
    const response = await answer;
    expect(response.status()).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('INVALID_INPUT');
    expect(body.error.message).toContain('target');

    const formError = page.getByTestId('form-error');
    await formError.waitFor({ state: 'visible' });
    expect(await formError.textContent()).toBe(body.error.message);
    expect(new URL(page.url()).hash).toBe('#/new');
    expect((await getJson<{ runs: unknown[] }>('/api/runs')).runs.length).toBe(before.runs.length);
    await screenshot('form-error');
  });

  it('shows an open circuit holding a task up, then streams its output into the panel live', async () => {
    const model = 'qwen2.5-coder';
    const provider = await startProviderServer();
    let releaseStream!: () => void;
    const streamReleased = new Promise<void>((resolve) => (releaseStream = resolve));
    // A model that streams a first line, then waits for the test before finishing its answer.
    const heldStream: Reply = async (_, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.write(openAiChunk(model, { role: 'assistant', content: '' }, null));
      response.write(openAiChunk(model, { content: 'First streamed line of the review.\n' }, null));
      await Promise.race([streamReleased, new Promise((resolve) => setTimeout(resolve, WAIT_MS))]);
      response.write(openAiChunk(model, { content: 'Second line, after the wait.' }, null));
      response.write(openAiChunk(model, {}, 'stop'));
      const usage = { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 };
      response.write(`data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [], usage })}\n\n`);
      response.end('data: [DONE]\n\n');
    };
    provider.route('/v1/models', openAiModelsReply([model]));
    // One 503 opens the circuit (threshold 1); the retry then waits out the cool-down, and the probe call streams.
    provider.enqueue(openAiErrorReply(503, 'Service unavailable'), heldStream);
    const llmFolder = join(temp!.folder, 'llm');
    mkdirSync(llmFolder, { recursive: true });
    writeFileSync(
      join(llmFolder, 'ensemble.config.yaml'),
      'providerPolicy:\n  breakerThreshold: 1\n  breakerCooldownMs: 6000\n  taskRetry: { max: 2, backoffMs: 100 }\n',
    );
    const llmServer = await startServeProcess({
      cwd: llmFolder,
      dbPath: join(llmFolder, 'ensemble.db'),
      env: { OPENAI_BASE_URL: `${provider.url}/v1`, ENSEMBLE_MODEL: model },
    });
    servers.push(llmServer);
    try {
      const started = await fetch(`${llmServer.url}/api/workflows/execute`, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: JSON.stringify({ workflowName: 'Streamed review', tasks: [{ id: 'review', agentName: 'code-reviewer', description: 'Review the cart', prompt: 'Review the cart module.' }] }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(started.status).toBe(202);
      const { runId } = (await started.json()) as { runId: string };
      await page.goto(`${llmServer.url}/#/runs/${runId}`);
      await taskNode('review').click();

      // The wait for the open circuit is drawn on the box it holds up, and told in full in the panel.
      await page.locator('[data-testid="task-node"][data-task-id="review"][data-status="running"].is-held .node-hold', { hasText: 'circuit open' }).waitFor();
      await page.getByTestId('task-panel').locator('.hold-text', { hasText: 'openai-compatible circuit open' }).waitFor();
      await screenshot('circuit-open');

      // The first streamed line shows while the task still runs, before the model has finished.
      await page.getByTestId('task-output').filter({ hasText: 'First streamed line of the review.' }).waitFor();
      expect(await taskNode('review').getAttribute('data-status')).toBe('running');
      expect(await page.getByTestId('task-output').textContent()).not.toContain('Second line');
      await screenshot('streaming-output');

      releaseStream();
      await taskNode('review', 'succeeded').waitFor();
      await page.getByTestId('task-output').filter({ hasText: 'Second line, after the wait.' }).waitFor();
      expect(await page.getByTestId('task-output').textContent()).toContain('First streamed line of the review.');
      expect(await page.getByTestId('task-panel').locator('.hold-text').count()).toBe(0);
      expect(provider.requests.filter((request) => request.url.startsWith('/v1/chat/completions')).length).toBe(2);
    } finally {
      releaseStream();
      await llmServer.stop();
      await provider.close();
    }
  });

  it('works against a server that needs a token, given once in the address', async () => {
    expect(reviewRunId).toBeDefined();
    const token = 'dashboard-test-token-0123456789';
    const guarded = await startServeProcess({ cwd: workspace, dbPath, extraArgs: ['--token', token] });
    servers.push(guarded);
    try {
      // Without the token the API refuses, and the page says so (the token prompt is dismissed).
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.goto(`${guarded.url}/#/runs`);
      await page.locator('.notice-error', { hasText: 'Could not read the runs' }).waitFor();

      await page.goto(`${guarded.url}/#token=${token}`);
      // The token leaves the address bar at once, and every call carries it: the list, then a run's event stream.
      await page.locator(`[data-testid="run-row"][data-run-id="${reviewRunId}"]`).waitFor();
      expect(page.url()).not.toContain(token);
      await page.locator(`[data-testid="run-row"][data-run-id="${reviewRunId}"] a`).click();
      await page.locator('[data-testid="run-status"][data-status="succeeded"]').waitFor();
      // The header may show the recorded status before the stream's replay has drawn the tasks: wait for them.
      await expect.poll(() => page.locator('[data-testid="task-node"][data-status="succeeded"]').count(), { timeout: 15_000 }).toBe(6);
    } finally {
      await guarded.stop();
    }
  });

  it('asks nothing of any host but its own server, and throws no page errors', () => {
    expect(requestedUrls.length).toBeGreaterThan(0);
    // Two servers ran (the simulated one, and one with a model provider on loopback): the page asked only them.
    const ownOrigins = servers.map((serve) => `${serve.url}/`);
    expect(requestedUrls.filter((url) => !ownOrigins.some((origin) => url.startsWith(origin)) && !url.startsWith('data:'))).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
