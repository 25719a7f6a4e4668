// Tokens a run hands its agents under each context strategy, on the fullstack-dev template, against
// a naive baseline where every task gets every output finished before it started, whole.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countTokensWith, type TokenizerName } from '../src/context/index.js';
import { taskSpecSchema, type ContextReceipt, type ContextStrategy, type TaskSpec } from '../src/core/index.js';
import { AgentOrchestrator, getTemplate, type InProcessAgentContext } from '../src/index.js';

/** Parameters the template is built with: its defaults, plus the one it requires. */
const TEMPLATE_PARAMETERS = { projectType: 'team task tracker web app' } as const;

/** Target size of each task's output in o200k_base tokens: a design, two code-heavy builds, reports. */
const OUTPUT_TOKENS: Readonly<Record<string, number>> = {
  design: 6500,
  backend: 8000,
  frontend: 7200,
  integration: 3800,
  tests: 5200,
  review: 2400,
};

/** The pruning threshold the 60% target is held to. */
export const CHOSEN_THRESHOLD_TOKENS = 8000;
/** The run config default: what a run gets without `pruningThreshold`. */
const DEFAULT_THRESHOLD_TOKENS = 150_000;
const TARGET_REDUCTION = 0.6;

export interface ContextTokensRow {
  readonly strategy: ContextStrategy;
  readonly thresholdTokens: number;
  /** Tokens in the `task:context` receipts, summed over tasks. */
  readonly tokensSent: number;
  /** The naive baseline of the same run, counted with the receipts' tokenizer. */
  readonly naiveTokens: number;
  /** Tasks with a `context:pruned` event. */
  readonly tasksPruned: number;
  /** Direct dependency outputs handed over whole and trimmed (summed over tasks). */
  readonly dependenciesWhole: number;
  readonly dependenciesTrimmed: number;
  /** Other entries handed over whole, summarised, and left out. */
  readonly othersWhole: number;
  readonly othersSummarised: number;
  readonly othersDropped: number;
}

export interface ContextTokensResult {
  readonly rows: readonly ContextTokensRow[];
  readonly tokenizer: string;
  readonly taskCount: number;
  /** Each task's output: o200k_base tokens and characters. */
  readonly outputs: readonly { readonly taskId: string; readonly o200kTokens: number; readonly estimateTokens: number; readonly characters: number }[];
  readonly chosenThresholdTokens: number;
  readonly chosenReduction: number;
}

// ---------------------------------------------------------------------------------------------
// Realistic outputs: deterministic documents built from one domain model, sized per task.

interface Entity {
  readonly name: string;
  readonly plural: string;
  readonly fields: readonly (readonly [name: string, type: string, rule: string])[];
}

const ENTITIES: readonly Entity[] = [
  { name: 'User', plural: 'users', fields: [['id', 'uuid', 'primary key'], ['email', 'text', 'unique, lower-cased'], ['displayName', 'text', '1-80 characters'], ['passwordHash', 'text', 'argon2id'], ['role', 'text', 'member | admin'], ['createdAt', 'timestamptz', 'default now()']] },
  { name: 'Team', plural: 'teams', fields: [['id', 'uuid', 'primary key'], ['name', 'text', '1-60 characters, unique per owner'], ['ownerId', 'uuid', 'references users'], ['plan', 'text', 'free | pro'], ['createdAt', 'timestamptz', 'default now()']] },
  { name: 'Project', plural: 'projects', fields: [['id', 'uuid', 'primary key'], ['teamId', 'uuid', 'references teams, indexed'], ['name', 'text', '1-80 characters'], ['description', 'text', 'optional, ≤ 2,000 characters'], ['archivedAt', 'timestamptz', 'null while active']] },
  { name: 'Task', plural: 'tasks', fields: [['id', 'uuid', 'primary key'], ['projectId', 'uuid', 'references projects, indexed'], ['title', 'text', '1-200 characters'], ['status', 'text', 'todo | doing | done'], ['assigneeId', 'uuid', 'references users, nullable'], ['dueDate', 'date', 'nullable'], ['position', 'integer', 'order within a status column']] },
  { name: 'Comment', plural: 'comments', fields: [['id', 'uuid', 'primary key'], ['taskId', 'uuid', 'references tasks, indexed'], ['authorId', 'uuid', 'references users'], ['body', 'text', '1-5,000 characters, Markdown'], ['editedAt', 'timestamptz', 'nullable']] },
  { name: 'Label', plural: 'labels', fields: [['id', 'uuid', 'primary key'], ['projectId', 'uuid', 'references projects'], ['name', 'text', '1-30 characters, unique per project'], ['color', 'text', '#rrggbb']] },
  { name: 'Attachment', plural: 'attachments', fields: [['id', 'uuid', 'primary key'], ['taskId', 'uuid', 'references tasks'], ['fileName', 'text', '1-255 characters'], ['sizeBytes', 'integer', '≤ 10 MB'], ['storageKey', 'text', 'object storage key']] },
  { name: 'Notification', plural: 'notifications', fields: [['id', 'uuid', 'primary key'], ['userId', 'uuid', 'references users, indexed'], ['kind', 'text', 'assigned | mentioned | due'], ['taskId', 'uuid', 'references tasks'], ['readAt', 'timestamptz', 'nullable']] },
  { name: 'Invitation', plural: 'invitations', fields: [['id', 'uuid', 'primary key'], ['teamId', 'uuid', 'references teams'], ['email', 'text', 'lower-cased'], ['token', 'text', '32 random bytes, hashed'], ['expiresAt', 'timestamptz', '7 days after creation']] },
  { name: 'ActivityEvent', plural: 'activity-events', fields: [['id', 'bigserial', 'primary key'], ['projectId', 'uuid', 'references projects, indexed'], ['actorId', 'uuid', 'references users'], ['verb', 'text', 'created | updated | moved | commented'], ['payload', 'jsonb', 'what changed']] },
];

const camel = (entity: Entity): string => entity.name.charAt(0).toLowerCase() + entity.name.slice(1);
const tsType = (type: string): string => (type === 'integer' || type === 'bigserial' ? 'number' : type === 'jsonb' ? 'Record<string, unknown>' : 'string');

function designSection(entity: Entity, round: number): string {
  const path = `/api/${entity.plural}`;
  return [
    `## ${entity.name}${round > 0 ? ` (round ${round + 1}: reporting views)` : ''}`,
    '',
    `${entity.name} records are owned by a team; every query is scoped by the caller's team membership.`,
    '',
    '| field | type | rule |',
    '|---|---|---|',
    ...entity.fields.map(([name, type, rule]) => `| ${name} | ${type} | ${rule} |`),
    '',
    `### Endpoints of ${entity.plural}`,
    '',
    `- \`GET ${path}?cursor=&limit=\` → 200 \`{items: ${entity.name}[], nextCursor: string | null}\`; 401 without a session; limit 1-100, default 25.`,
    `- \`POST ${path}\` body \`{${entity.fields.slice(1, 4).map(([name, type]) => `${name}: ${tsType(type)}`).join(', ')}}\` → 201 with the created ${camel(entity)}; 400 \`{error: {code: "INVALID_INPUT", message, field}}\`; 403 outside the team.`,
    `- \`GET ${path}/:id\` → 200 ${camel(entity)}; 404 \`{error: {code: "NOT_FOUND"}}\` when absent or in another team (never 403, so ids do not leak).`,
    `- \`PATCH ${path}/:id\` body: any writable field → 200; 409 \`{error: {code: "VERSION_CONFLICT"}}\` when \`If-Match\` is stale.`,
    `- \`DELETE ${path}/:id\` → 204; admins only, 403 otherwise.`,
    '',
    `Acceptance criteria for ${entity.plural}: a member lists, creates and edits ${entity.plural} of their team only; validation errors name the field; list order is stable under concurrent inserts (cursor on \`(createdAt, id)\`).`,
    '',
    `Decision: ${entity.plural} are soft-deleted for 30 days so that the activity feed keeps resolving them; a nightly job purges them.`,
    `Frontend: \`src/web/pages/${entity.name}ListPage.tsx\` and \`src/web/components/${entity.name}Form.tsx\` call these endpoints through \`src/web/api/${camel(entity)}Client.ts\`.`,
    `Backend: \`src/server/routes/${entity.plural}.ts\`, \`src/server/db/${entity.plural}.ts\`, migration \`migrations/${String(ENTITIES.indexOf(entity) + 1 + round * 10).padStart(3, '0')}_${entity.plural}.sql\`.`,
    '',
  ].join('\n');
}

function backendSection(entity: Entity, round: number): string {
  const variable = camel(entity);
  const writable = entity.fields.slice(1, 4);
  return [
    `### \`src/server/routes/${entity.plural}${round > 0 ? `-${round}` : ''}.ts\``,
    '',
    '```ts',
    "import { Router } from 'express';",
    "import { z } from 'zod';",
    `import { list${entity.name}s, insert${entity.name}, find${entity.name}, update${entity.name}, softDelete${entity.name} } from '../db/${entity.plural}.js';`,
    "import { requireSession, requireAdmin } from '../auth/session.js';",
    '',
    `const ${variable}Input = z.strictObject({`,
    ...writable.map(([name, type]) => `  ${name}: z.${tsType(type) === 'number' ? 'number().int()' : 'string().min(1)'},`),
    '});',
    '',
    `export const ${variable}Routes = Router();`,
    '',
    `${variable}Routes.get('/api/${entity.plural}', requireSession, async (request, response) => {`,
    "  const limit = Math.min(100, Math.max(1, Number(request.query.limit ?? 25)));",
    `  const page = await list${entity.name}s(request.session.teamId, { cursor: String(request.query.cursor ?? ''), limit });`,
    '  response.json({ items: page.items, nextCursor: page.nextCursor });',
    '});',
    '',
    `${variable}Routes.post('/api/${entity.plural}', requireSession, async (request, response) => {`,
    `  const parsed = ${variable}Input.safeParse(request.body);`,
    '  if (!parsed.success) {',
    "    const issue = parsed.error.issues[0]!;",
    "    return response.status(400).json({ error: { code: 'INVALID_INPUT', message: issue.message, field: issue.path.join('.') } });",
    '  }',
    `  const created = await insert${entity.name}(request.session.teamId, parsed.data);`,
    '  response.status(201).json(created);',
    '});',
    '',
    `${variable}Routes.get('/api/${entity.plural}/:id', requireSession, async (request, response) => {`,
    `  const found = await find${entity.name}(request.session.teamId, request.params.id);`,
    "  if (found === undefined) return response.status(404).json({ error: { code: 'NOT_FOUND' } });",
    '  response.json(found);',
    '});',
    '',
    `${variable}Routes.patch('/api/${entity.plural}/:id', requireSession, async (request, response) => {`,
    `  const parsed = ${variable}Input.partial().safeParse(request.body);`,
    "  if (!parsed.success) return response.status(400).json({ error: { code: 'INVALID_INPUT', message: parsed.error.issues[0]!.message } });",
    `  const result = await update${entity.name}(request.session.teamId, request.params.id, parsed.data, request.get('If-Match'));`,
    "  if (result === 'conflict') return response.status(409).json({ error: { code: 'VERSION_CONFLICT' } });",
    "  if (result === undefined) return response.status(404).json({ error: { code: 'NOT_FOUND' } });",
    '  response.json(result);',
    '});',
    '',
    `${variable}Routes.delete('/api/${entity.plural}/:id', requireSession, requireAdmin, async (request, response) => {`,
    `  await softDelete${entity.name}(request.session.teamId, request.params.id);`,
    '  response.status(204).end();',
    '});',
    '```',
    '',
    `Migration \`migrations/${String(ENTITIES.indexOf(entity) + 1).padStart(3, '0')}_${entity.plural}.sql\`:`,
    '',
    '```sql',
    `CREATE TABLE ${entity.plural.replace('-', '_')} (`,
    ...entity.fields.map(([name, type, rule], index) => `  ${name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)} ${type.toUpperCase()}${rule.includes('primary key') ? ' PRIMARY KEY' : rule.includes('nullable') ? '' : ' NOT NULL'}${index < entity.fields.length - 1 ? ',' : ''}`),
    ');',
    `CREATE INDEX ${entity.plural.replace('-', '_')}_created_idx ON ${entity.plural.replace('-', '_')} (created_at, id);`,
    '```',
    '',
    `Notes: every ${variable} query takes the team id first, so a missing scope is a type error, not a data leak. Departed from the contract: none for ${entity.plural}.`,
    '',
  ].join('\n');
}

function frontendSection(entity: Entity, round: number): string {
  const variable = camel(entity);
  return [
    `### \`src/web/pages/${entity.name}ListPage${round > 0 ? round : ''}.tsx\``,
    '',
    '```tsx',
    "import { useEffect, useState } from 'react';",
    `import { list${entity.name}s, type ${entity.name} } from '../api/${variable}Client';`,
    "import { ErrorBanner, EmptyState, Spinner } from '../components/feedback';",
    '',
    `export function ${entity.name}ListPage({ teamId }: { teamId: string }) {`,
    `  const [items, setItems] = useState<${entity.name}[]>([]);`,
    '  const [cursor, setCursor] = useState<string | null>(null);',
    "  const [state, setState] = useState<'loading' | 'ready' | 'error'>('loading');",
    '  const [error, setError] = useState<string>();',
    '',
    '  useEffect(() => {',
    '    const controller = new AbortController();',
    `    list${entity.name}s({ teamId, limit: 25, signal: controller.signal })`,
    "      .then((page) => { setItems(page.items); setCursor(page.nextCursor); setState('ready'); })",
    "      .catch((failure: Error) => { if (!controller.signal.aborted) { setError(failure.message); setState('error'); } });",
    '    return () => controller.abort();',
    '  }, [teamId]);',
    '',
    "  if (state === 'loading') return <Spinner label=\"Loading\" />;",
    "  if (state === 'error') return <ErrorBanner message={error ?? 'Something went wrong'} />;",
    `  if (items.length === 0) return <EmptyState title="No ${entity.plural} yet" action="Create one" />;`,
    '  return (',
    `    <section aria-labelledby="${entity.plural}-heading">`,
    `      <h1 id="${entity.plural}-heading">${entity.name}s</h1>`,
    '      <ul>',
    `        {items.map((${variable}) => (`,
    `          <li key={${variable}.id}>{${variable}.${entity.fields[2]![0]}}</li>`,
    '        ))}',
    '      </ul>',
    '      {cursor !== null && <button type="button" onClick={() => setState(\'loading\')}>Load more</button>}',
    '    </section>',
    '  );',
    '}',
    '```',
    '',
    `### \`src/web/api/${variable}Client${round > 0 ? round : ''}.ts\``,
    '',
    '```ts',
    `export interface ${entity.name} {`,
    ...entity.fields.map(([name, type]) => `  readonly ${name}: ${tsType(type)};`),
    '}',
    '',
    `export async function list${entity.name}s(options: { teamId: string; limit: number; cursor?: string; signal?: AbortSignal }) {`,
    `  const url = new URL('/api/${entity.plural}', import.meta.env.VITE_API_BASE_URL);`,
    "  url.searchParams.set('limit', String(options.limit));",
    "  if (options.cursor) url.searchParams.set('cursor', options.cursor);",
    "  const response = await fetch(url, { credentials: 'include', signal: options.signal });",
    '  if (!response.ok) throw new Error((await response.json()).error?.message ?? response.statusText);',
    `  return (await response.json()) as { items: ${entity.name}[]; nextCursor: string | null };`,
    '}',
    '```',
    '',
    `Calls: \`${entity.name}ListPage\` → \`GET /api/${entity.plural}\`; \`${entity.name}Form\` → \`POST\`/\`PATCH /api/${entity.plural}\`. Loading, empty and error states shown; the form validates before sending.`,
    '',
  ].join('\n');
}

function integrationSection(entity: Entity, round: number): string {
  const variable = camel(entity);
  const line = 20 + ENTITIES.indexOf(entity) * 7 + round;
  return [
    `### Mismatch: ${entity.plural} list pagination${round > 0 ? ` (pass ${round + 1})` : ''}`,
    '',
    `Backend \`src/server/routes/${entity.plural}.ts:${line}\` returns \`nextCursor\`; frontend \`src/web/api/${variable}Client.ts:${line - 9}\` read \`next\`. The contract says \`nextCursor\`: fixed on the frontend.`,
    '',
    '```diff',
    `--- a/src/web/api/${variable}Client.ts`,
    `+++ b/src/web/api/${variable}Client.ts`,
    `@@ -${line - 9},3 +${line - 9},3 @@`,
    `-  return (await response.json()) as { items: ${entity.name}[]; next: string | null };`,
    `+  return (await response.json()) as { items: ${entity.name}[]; nextCursor: string | null };`,
    '```',
    '',
    `Also wired: CORS for \`${entity.plural}\` under the dev proxy (\`vite.config.ts\` proxies \`/api\` to port 3000), session cookie \`SameSite=Lax\`.`,
    '',
  ].join('\n');
}

function testsSection(entity: Entity, round: number): string {
  return [
    `### \`test/api/${entity.plural}${round > 0 ? `-${round}` : ''}.test.ts\``,
    '',
    '```ts',
    `describe('${entity.plural} API', () => {`,
    `  it('lists only the caller team\\'s ${entity.plural}, 25 by default', async () => {`,
    `    const response = await agent.get('/api/${entity.plural}').set('Cookie', memberCookie);`,
    '    expect(response.status).toBe(200);',
    '    expect(response.body.items.every((item) => item.teamId === team.id)).toBe(true);',
    '  });',
    `  it('rejects an invalid ${camel(entity)} with 400 naming the field', async () => {`,
    `    const response = await agent.post('/api/${entity.plural}').set('Cookie', memberCookie).send({});`,
    "    expect(response.body.error).toMatchObject({ code: 'INVALID_INPUT' });",
    '  });',
    `  it('answers 404 for a ${camel(entity)} of another team', async () => {`,
    `    const response = await agent.get(\`/api/${entity.plural}/\${foreignId}\`).set('Cookie', memberCookie);`,
    '    expect(response.status).toBe(404);',
    '  });',
    '});',
    '```',
    '',
    '```text',
    `$ npx vitest run test/api/${entity.plural}.test.ts`,
    ` ✓ test/api/${entity.plural}.test.ts (3 tests) ${40 + ENTITIES.indexOf(entity) * 3}ms`,
    ' Test Files  1 passed (1)',
    '      Tests  3 passed (3)',
    '```',
    '',
    `Acceptance criteria for ${entity.plural}: listing scoped to the team — tested and passing; validation naming the field — tested and passing; soft delete kept 30 days — not tested (needs the purge job's clock).`,
    '',
  ].join('\n');
}

function reviewSection(entity: Entity, round: number): string {
  const line = 31 + ENTITIES.indexOf(entity) * 5 + round;
  return [
    `### ${entity.plural}`,
    '',
    `- should fix: \`src/server/routes/${entity.plural}.ts:${line}\` — the limit is parsed with \`Number()\`, so \`?limit=abc\` becomes NaN and falls back silently; validate it with zod and answer 400.`,
    `- nice to have: \`src/web/pages/${entity.name}ListPage.tsx:${line - 12}\` — "Load more" resets the list instead of appending; keep the loaded items.`,
    `- approved: authorization on every ${entity.plural} endpoint, scoped queries, no raw HTML rendering.`,
    '',
  ].join('\n');
}

const SECTION_WRITERS: Readonly<Record<string, { readonly title: string; readonly section: (entity: Entity, round: number) => string }>> = {
  design: { title: '# Design: team task tracker\n\nShared architecture and API contract for the backend and frontend built in parallel.\n\n## Architecture\n\nReact + TypeScript frontend (Vite) talking JSON over HTTPS to a Node.js + Express backend on PostgreSQL. One error format for every endpoint: `{error: {code, message, field?}}`. Sessions are HTTP-only cookies. Pagination is cursor-based everywhere.\n', section: designSection },
  backend: { title: '# Backend report\n\nImplemented every endpoint of the contract in Node.js + Express with PostgreSQL, validation with zod at the boundary, queries through parameterised statements only.\n\nInstall and start: `npm ci && npm run migrate && npm run dev:server` (reads `DATABASE_URL`, `SESSION_SECRET`, `PORT` from `.env`, see `.env.example`).\n', section: backendSection },
  frontend: { title: '# Frontend report\n\nImplemented the pages, components and client state of the design in React + TypeScript; every request goes through a typed client in `src/web/api/`.\n\nInstall and start: `npm ci && npm run dev:web` (reads `VITE_API_BASE_URL`).\n', section: frontendSection },
  integration: { title: '# Integration report\n\nCompared the contract with both sides endpoint by endpoint; every mismatch below is fixed. Start everything with `npm run dev` (both sides, proxy on port 5173).\n', section: integrationSection },
  tests: { title: '# Test report\n\nAPI tests with vitest and supertest against a temporary PostgreSQL database; component tests with Testing Library; one Playwright end-to-end test of the main flow.\n', section: testsSection },
  review: { title: '# Review\n\nRead every file the reports list, and grepped both sides for each endpoint of the contract.\n\n## Findings by resource\n', section: reviewSection },
};

const VERDICT = '\n## Verdict\n\nRequest changes: fix the two "should fix" items on limit parsing first; nothing blocking otherwise.\n';

/** The output of one task: its sections over the domain's entities (again, as further rounds) until it reaches its size. */
export function outputFor(taskId: string): string {
  const writer = SECTION_WRITERS[taskId];
  const targetTokens = OUTPUT_TOKENS[taskId];
  if (writer === undefined || targetTokens === undefined) throw new Error(`no output is defined for task "${taskId}"`);
  const parts = [writer.title];
  let tokens = countTokensWith(writer.title, 'o200k_base');
  for (let step = 0; tokens < targetTokens; step++) {
    const section = writer.section(ENTITIES[step % ENTITIES.length]!, Math.floor(step / ENTITIES.length));
    parts.push(section);
    tokens += countTokensWith(section, 'o200k_base');
  }
  if (taskId === 'review') parts.push(VERDICT);
  return parts.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The runs.

interface Received {
  readonly inputs: InProcessAgentContext['inputs'];
  readonly context: InProcessAgentContext['context'];
}

interface MeasuredRun {
  readonly row: ContextTokensRow;
  readonly tokenizer: string;
}

/** The trim marker (see `trimMarker`) between a trimmed dependency's head and tail. */
const MARKER_PATTERN = /\n\n\[… ensemble trimmed the output of task [^\n]*?: [\d,]+ characters \(about [\d,]+ tokens\) cut from the middle[^\n]*…\]\n\n/;

async function measure(tasks: readonly TaskSpec[], outputs: ReadonlyMap<string, string>, strategy: ContextStrategy, thresholdTokens: number, folder: string): Promise<MeasuredRun> {
  const orchestrator = new AgentOrchestrator({ store: false, agentDirs: [], workspaceDir: folder, contextStrategy: strategy, pruningThreshold: thresholdTokens });
  const received = new Map<string, Received>();
  for (const agentName of new Set(tasks.map((task) => task.agentName))) {
    orchestrator.registerAgent({
      name: agentName,
      run: (task, context) => {
        received.set(task.id, { inputs: context.inputs, context: context.context });
        return outputs.get(task.id)!;
      },
    });
  }
  const receipts = new Map<string, ContextReceipt>();
  const pruned = new Set<string>();
  let othersDropped = 0;
  const finished: string[] = [];
  const finishedAtStart = new Map<string, readonly string[]>();
  orchestrator.on('task:context', (event) => {
    receipts.set(event.taskId, event.receipt);
  });
  orchestrator.on('context:pruned', (event) => {
    pruned.add(event.taskId);
    othersDropped += event.entries.filter((entry) => entry.treatment === 'dropped').length;
  });
  orchestrator.on('task:start', (event) => {
    if (!finishedAtStart.has(event.taskId)) finishedAtStart.set(event.taskId, [...finished]);
  });
  orchestrator.on('task:complete', (event) => {
    finished.push(event.taskId);
  });
  orchestrator.addTasks([...tasks]);
  const outcome = await orchestrator.execute();
  if (outcome.status !== 'succeeded') throw new Error(`context benchmark: the ${strategy} run ${outcome.status}`);
  if (receipts.size !== tasks.length) throw new Error(`context benchmark: ${receipts.size} task:context receipts for ${tasks.length} tasks`);

  const tokenizer = [...receipts.values()][0]!.tokenizer;
  let naiveTokens = 0;
  for (const task of tasks) for (const earlier of finishedAtStart.get(task.id) ?? []) naiveTokens += countTokensWith(outputs.get(earlier)!, tokenizer as TokenizerName);
  const counts = { dependenciesWhole: 0, dependenciesTrimmed: 0, othersWhole: 0, othersSummarised: 0, othersDropped };
  let tokensSent = 0;
  for (const task of tasks) {
    const receipt = receipts.get(task.id)!;
    tokensSent += receipt.tokens;
    assertDependenciesReceived(task, received.get(task.id)!, receipt, outputs, thresholdTokens, strategy);
    for (const entry of receipt.entries) {
      if (entry.relation === 'dependency') counts[entry.treatment === 'whole' ? 'dependenciesWhole' : 'dependenciesTrimmed']++;
      else if (entry.treatment === 'whole') counts.othersWhole++;
      else counts.othersSummarised++;
    }
  }
  return { tokenizer, row: { strategy, thresholdTokens, tokensSent, naiveTokens, tasksPruned: pruned.size, ...counts } };
}

/**
 * Every direct dependency's output reached the task: whole, or, only when the dependencies together
 * pass the threshold, trimmed with its real head and tail around the marker. Throws otherwise.
 */
function assertDependenciesReceived(task: TaskSpec, received: Received, receipt: ContextReceipt, outputs: ReadonlyMap<string, string>, thresholdTokens: number, strategy: ContextStrategy): void {
  const where = `context benchmark (${strategy}, threshold ${thresholdTokens}): task "${task.id}"`;
  const ids = received.inputs.map((input) => input.taskId);
  if (ids.join(',') !== task.dependencies.join(',')) throw new Error(`${where} received inputs [${ids.join(', ')}], expected [${task.dependencies.join(', ')}]`);
  const dependencyEntries = receipt.entries.filter((entry) => entry.relation === 'dependency');
  const dependencyTokens = dependencyEntries.reduce((total, entry) => total + entry.sourceTokens, 0);
  for (const input of received.inputs) {
    const original = outputs.get(input.taskId)!;
    if (input.output === original) continue;
    if (dependencyTokens <= thresholdTokens) throw new Error(`${where}: the output of "${input.taskId}" was not handed whole although its dependencies fit the threshold`);
    const marker = MARKER_PATTERN.exec(input.output);
    if (marker === null) throw new Error(`${where}: the output of "${input.taskId}" was changed without a trim marker`);
    const head = input.output.slice(0, marker.index);
    const tail = input.output.slice(marker.index + marker[0].length);
    if (head === '' || tail === '' || !original.startsWith(head) || !original.endsWith(tail)) {
      throw new Error(`${where}: the trimmed output of "${input.taskId}" does not keep its real head and tail`);
    }
  }
}

/** Runs fullstack-dev under each strategy, without pruning (the default threshold) and with it. */
export async function benchContextTokens(): Promise<ContextTokensResult> {
  const template = getTemplate('fullstack-dev');
  if (template === undefined) throw new Error('context benchmark: no fullstack-dev template');
  // The tasks name an OpenAI model, so receipts and the baseline are counted with its real tokenizer (o200k_base).
  const tasks = template.buildTasks({ ...TEMPLATE_PARAMETERS }).map((task) => taskSpecSchema.parse({ ...task, model: 'openai:gpt-4.1' }));
  const outputs = new Map(tasks.map((task) => [task.id, outputFor(task.id)]));
  const folder = mkdtempSync(join(tmpdir(), 'ensemble-bench-context-'));
  const rows: ContextTokensRow[] = [];
  let tokenizer = '';
  try {
    for (const thresholdTokens of [DEFAULT_THRESHOLD_TOKENS, 16_000, CHOSEN_THRESHOLD_TOKENS]) {
      for (const strategy of ['shared', 'hierarchical', 'isolated'] as const) {
        const measured = await measure(tasks, outputs, strategy, thresholdTokens, folder);
        tokenizer = measured.tokenizer;
        rows.push(measured.row);
      }
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  const chosen = rows.find((row) => row.strategy === 'shared' && row.thresholdTokens === CHOSEN_THRESHOLD_TOKENS)!;
  const chosenReduction = 1 - chosen.tokensSent / chosen.naiveTokens;
  if (chosenReduction < TARGET_REDUCTION) {
    throw new Error(`context benchmark: shared + pruning at ${CHOSEN_THRESHOLD_TOKENS} tokens sent ${chosen.tokensSent} tokens, ${(chosenReduction * 100).toFixed(1)}% below the naive ${chosen.naiveTokens}; the target is ≥ ${TARGET_REDUCTION * 100}%`);
  }
  return {
    rows,
    tokenizer,
    taskCount: tasks.length,
    outputs: tasks.map((task) => {
      const text = outputs.get(task.id)!;
      return { taskId: task.id, o200kTokens: countTokensWith(text, 'o200k_base'), estimateTokens: countTokensWith(text, 'estimate'), characters: text.length };
    }),
    chosenThresholdTokens: CHOSEN_THRESHOLD_TOKENS,
    chosenReduction,
  };
}

const formatNumber = (value: number): string => value.toLocaleString('en-US');
const percentBelow = (sent: number, naive: number): string => `${((1 - sent / naive) * 100).toFixed(1)}% less`;

/** The BENCHMARKS.md section of this benchmark. */
export function formatContextTokens(result: ContextTokensResult): string[] {
  const floor = result.rows.find((row) => row.strategy === 'isolated' && row.thresholdTokens === DEFAULT_THRESHOLD_TOKENS)!;
  const chosen = result.rows.find((row) => row.strategy === 'shared' && row.thresholdTokens === result.chosenThresholdTokens)!;
  const sizes = result.outputs.map((output) => `${output.taskId} ${formatNumber(output.o200kTokens)}`).join(', ');
  const o200k = result.outputs.reduce((total, output) => total + output.o200kTokens, 0);
  const estimated = result.outputs.reduce((total, output) => total + output.estimateTokens, 0);
  return [
    '## Context: tokens handed to agents per strategy (fullstack-dev)',
    '',
    `The \`fullstack-dev\` template (${result.taskCount} tasks, built with \`projectType: "${TEMPLATE_PARAMETERS.projectType}"\` and its other defaults) run by \`AgentOrchestrator\` (no journal, default concurrency) with one in-process agent per agent name, each answering with a realistic, deterministic document: a design with data model and API contract, code listings with migrations, page components, an integration report with diffs, a test report with test files and runs, a review (o200k_base tokens: ${sizes}). *Tokens sent* = the \`tokens\` of the \`task:context\` receipts, summed over the tasks: every entry as handed over, the dependency outputs in \`inputs\` included. *Naive* = for each task, every output that finished before it started, whole. Counts are exact and deterministic (no medians), with the receipts' tokenizer, \`${result.tokenizer}\` (the tasks name \`openai:gpt-4.1\`). On these outputs the 4-characters-per-token estimate used for models without a tokenizer on npm would give ${formatNumber(estimated)} tokens where o200k_base counts ${formatNumber(o200k)}.`,
    '',
    '| strategy | pruning threshold | tokens sent | naive | vs naive | tasks pruned | dependency outputs whole / trimmed | other entries whole / summarised / dropped |',
    '|---|---|---|---|---|---|---|---|',
    ...result.rows.map(
      (row) =>
        `| ${row.strategy} | ${formatNumber(row.thresholdTokens)}${row.thresholdTokens === DEFAULT_THRESHOLD_TOKENS ? ' (default)' : ''} | ${formatNumber(row.tokensSent)} | ${formatNumber(row.naiveTokens)} | ${percentBelow(row.tokensSent, row.naiveTokens)} | ${row.tasksPruned} | ${row.dependenciesWhole} / ${row.dependenciesTrimmed} | ${row.othersWhole} / ${row.othersSummarised} / ${row.othersDropped} |`,
    ),
    '',
    `Target: \`shared\` with pruning at ${formatNumber(result.chosenThresholdTokens)} tokens sends at least ${TARGET_REDUCTION * 100}% fewer tokens than naive: ${chosen.tokensSent <= chosen.naiveTokens * (1 - TARGET_REDUCTION) ? 'met' : '**not met**'} (${percentBelow(chosen.tokensSent, chosen.naiveTokens)}). Asserted in every row: each task received the output of each of its direct dependencies, whole whenever its dependencies together fit the threshold, otherwise with its real head and tail around a trim marker; none dropped.`,
    '',
    `What the figures say. With every dependency output whole, no strategy can send less than the \`isolated\` row without pruning (${formatNumber(floor.tokensSent)} tokens, ${percentBelow(floor.tokensSent, floor.naiveTokens)}): integration, tests and review take 3, 2 and 3 earlier outputs as direct dependencies, so on this graph the ${TARGET_REDUCTION * 100}% is reached only by trimming the dependencies of the tasks whose dependencies alone pass the threshold (${chosen.dependenciesTrimmed} of ${chosen.dependenciesWhole + chosen.dependenciesTrimmed} dependency outputs at ${formatNumber(result.chosenThresholdTokens)} tokens, each to a fair share of it). \`shared\` and \`hierarchical\` send the same here because every output finished before a task started is one of its ancestors (backend and frontend run side by side); they differ from \`isolated\` by the ancestors' outputs, summarised once pruning starts.`,
    '',
  ];
}
