import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnsembleServer, type EnsembleServer } from '../src/server/index.js';
import { launchChromium } from './helpers/browser.js';
import { repoRoot } from './helpers/cli.js';
import { seedEscalation } from './helpers/server-codebase-seed.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';

/** Every browser wait is bounded by this. */
const WAIT_MS = 30_000;
const artifactsDir = join(repoRoot, 'test-artifacts');

interface EscalationBody {
  readonly id: string;
  readonly status: string;
  readonly answer?: string;
}

// The server runs in this process (a real loopback HTTP server over src/, serving dist/web): the
// escalations are journaled into its store the way a run's scheduler journals them.
describe('the dashboard’s escalations, in Chromium, against a real server', { timeout: 120_000 }, () => {
  let temp: TempFolder | undefined;
  let server: EnsembleServer | undefined;
  let url: string;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  let dbChoice: string;
  let schemaChange: string;

  async function getJson<T>(path: string): Promise<T> {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status, `GET ${path}`).toBe(200);
    return (await response.json()) as T;
  }

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, 'dist', 'web', 'index.html'))) {
      throw new Error('dist/web is missing: run `npm run build` (it runs scripts/build-web.mjs) before this test');
    }
    temp = createTempFolder('ensemble-dashboard-escalations-');
    mkdirSync(artifactsDir, { recursive: true });
    browser = await launchChromium();
    server = createEnsembleServer({
      port: 0,
      storePath: join(temp.folder, 'ensemble.db'),
      workspaceDir: temp.folder,
      env: {},
      resumeInterrupted: false,
      logger: { warn: () => {}, error: () => {} },
    });
    const now = Date.now();
    dbChoice = seedEscalation(server.store, { runId: 'run-db', taskId: 'storage', ticketId: 'T-1', member: 'coder-1', reason: 'Which DB?', priority: 7, openedAt: now, deadlineAt: now + 3_600_000 });
    schemaChange = seedEscalation(server.store, { runId: 'run-schema', taskId: 'migration', triggerType: 'data', reason: 'Drop the legacy column?', options: [], priority: 4, openedAt: now });
    ({ url } = await server.listen());
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    temp?.remove();
  });

  it('lists open escalations by priority with their options, reason, ticket and deadline', async () => {
    await page.goto(`${url}/#/escalations`);
    const panel = page.getByTestId('escalations-panel');
    await panel.waitFor();
    const card = page.getByTestId(`escalation-${dbChoice}`);
    await card.waitFor();
    await page.getByTestId(`escalation-${schemaChange}`).waitFor();
    const order = await panel.locator('[data-escalation-id]').evaluateAll((cards) => cards.map((element) => element.getAttribute('data-escalation-id')));
    expect(order).toEqual([dbChoice, schemaChange]);
    expect(await card.textContent()).toEqual(expect.stringContaining('Which DB?'));
    for (const text of ['coder-1', 'T-1', 'storage', 'worker', 'ambiguity', 'P7', 'Postgres', 'SQLite']) expect(await card.textContent()).toContain(text);
    expect(await page.getByTestId(`escalation-deadline-${dbChoice}`).textContent()).toMatch(/left, then the task fails$/);
    expect(await page.getByTestId('escalations-count').textContent()).toBe('2');
    await page.screenshot({ path: join(artifactsDir, 'dashboard-escalations.png') });
  });

  it("shows the API's message when an answer is refused, then answers with a clicked option", async () => {
    await page.goto(`${url}/#/escalations`);
    const error = page.getByTestId(`escalation-error-${dbChoice}`);
    await page.getByTestId(`escalation-submit-${dbChoice}`).click();
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toMatch(/^guidance: .*\(INVALID_INPUT\)$/);

    await page.getByTestId(`escalation-${dbChoice}`).getByRole('button', { name: 'SQLite' }).click();
    expect(await page.getByTestId(`escalation-answer-${dbChoice}`).inputValue()).toBe('SQLite');
    await page.getByTestId(`escalation-submit-${dbChoice}`).click();
    await page.getByTestId(`escalation-${dbChoice}`).waitFor({ state: 'detached' });

    const { escalations } = await getJson<{ escalations: EscalationBody[] }>('/api/escalations?status=all');
    expect(escalations.find((escalation) => escalation.id === dbChoice)).toMatchObject({ status: 'answered', answer: 'SQLite' });
    expect(escalations.find((escalation) => escalation.id === schemaChange)).toMatchObject({ status: 'open' });
    // The list was read again after the answer: one left.
    await page.locator('[data-testid="escalations-count"]', { hasText: '1' }).waitFor();

    // Answered elsewhere (the CLI) meanwhile: the page shows the server's 409.
    await fetch(`${url}/api/escalations/${schemaChange}/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ guidance: 'Keep it' }) });
    await page.getByTestId(`escalation-answer-${schemaChange}`).fill('Drop it');
    await page.getByTestId(`escalation-submit-${schemaChange}`).click();
    const closed = page.getByTestId(`escalation-error-${schemaChange}`);
    await closed.waitFor({ state: 'visible' });
    expect(await closed.getAttribute('data-code')).toBe('ESCALATION_CLOSED');
    // The next refresh (every 5 s) drops it; the empty state shows.
    await page.getByTestId('escalations-empty').waitFor({ state: 'visible' });
  });

  it("shows a task waiting on a person in its run's graph", async () => {
    const runId = 'run-fresh';
    seedEscalation(server!.store, { runId, taskId: 'api', reason: 'REST or GraphQL?', openedAt: Date.now() });
    await page.goto(`${url}/#/runs/${runId}`);
    const node = page.locator('[data-testid="task-node"][data-task-id="api"][data-status="waiting"]');
    await node.waitFor();
    expect(await node.locator('.node-status').textContent()).toBe('waiting: ambiguity');
    expect(await node.getAttribute('class')).toContain('status-waiting');
    expect(pageErrors).toEqual([]);
  });
});
