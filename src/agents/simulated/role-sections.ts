import type { SimulatedRole } from './detect-role.js';

/** At least three subject words, most telling first. */
export type Keywords = readonly [string, string, string, ...string[]];
/** Writes a role's sections from the subject phrases, choosing phrasings with `random`. */
type SectionWriter = (keywords: Keywords, random: () => number) => string[];

export const SIMULATED_ROLE_SECTIONS: Readonly<Record<SimulatedRole, SectionWriter>> = {
  analyzer: ([first, second, third, ...rest], random) => [
    '## Summary',
    '',
    `The request centres on ${first}, ${second} and ${third}; ${pick(random, ['the rest follows from them', 'everything else is supporting detail', 'these drive the acceptance criteria'])}.`,
    '',
    '## Requirements',
    '',
    `1. **R1 — ${first}**: the solution must handle ${first} end to end, including invalid input.`,
    `2. **R2 — ${second}**: ${second} must be observable (logs, metrics) and covered by tests.`,
    `3. **R3 — ${third}**: ${third} must not break existing callers; changes are backwards compatible.`,
    ...rest.map((word, index) => `${index + 4}. **R${index + 4} — ${word}**: ${word} is in scope and needs an explicit acceptance check.`),
    '',
    '## Risks',
    '',
    '| Risk | Likelihood | Impact | Mitigation |',
    '| --- | --- | --- | --- |',
    `| ${first} edge cases are under-specified | ${level(random)} | high | agree examples before implementation |`,
    `| ${second} adds load or latency | ${level(random)} | ${level(random)} | measure a baseline first |`,
    `| ${third} conflicts with existing behaviour | ${level(random)} | medium | add regression tests |`,
    '',
    '## Open questions',
    '',
    `- What is the expected volume for ${first}?`,
    `- Who owns ${second} once it ships?`,
    '',
  ],
  designer: ([first, second, third], random) => [
    '## Components',
    '',
    `- **${pascal(first)}Service** — owns ${first}; the only writer of its state.`,
    `- **${pascal(second)}Store** — persists ${second}; ${pick(random, ['SQL tables with migrations', 'an append-only log', 'a key-value store'])}.`,
    `- **${pascal(third)}Gateway** — the boundary for ${third}; validates every request.`,
    '',
    '## Interfaces',
    '',
    '```ts',
    `interface ${pascal(first)}Service {`,
    `  create(input: ${pascal(first)}Input): Promise<${pascal(first)}>;`,
    `  get(id: string): Promise<${pascal(first)} | undefined>;`,
    '}',
    `interface ${pascal(second)}Store {`,
    `  save(record: ${pascal(second)}Record): Promise<void>;`,
    '}',
    '```',
    '',
    '## Data flow',
    '',
    `1. ${pascal(third)}Gateway validates the request and calls ${pascal(first)}Service.`,
    `2. ${pascal(first)}Service applies the rules and writes through ${pascal(second)}Store.`,
    `3. Events about ${first} are published for observers.`,
    '',
    '## Decisions',
    '',
    `- ${pick(random, ['Synchronous API, asynchronous side effects.', 'One service per bounded context.', 'Validation only at the boundary.'])}`,
    `- ${pick(random, ['Idempotency keys on every write.', 'Optimistic concurrency with version numbers.', 'Pagination by cursor, not offset.'])}`,
    '',
  ],
  developer: ([first, second, third], random) => [
    '## File plan',
    '',
    '| File | Purpose |',
    '| --- | --- |',
    `| \`src/${kebab(first)}/${kebab(first)}-service.ts\` | core logic for ${first} |`,
    `| \`src/${kebab(first)}/${kebab(second)}.ts\` | ${second} handling |`,
    `| \`src/${kebab(first)}/${kebab(first)}-service.test.ts\` | tests for ${first} and ${third} |`,
    '',
    '## Code sketch',
    '',
    '```ts',
    `export async function handle${pascal(first)}(input: ${pascal(first)}Input): Promise<${pascal(first)}Result> {`,
    `  const ${camel(second)} = validate${pascal(second)}(input);`,
    `  ${pick(random, ['const result = await store.save', 'const result = await repository.upsert', 'const result = await client.send'])}(${camel(second)});`,
    `  return { ok: true, ${camel(third)}: result };`,
    '}',
    '```',
    '',
    '## Notes',
    '',
    `- Errors from ${second} are mapped to typed results, not thrown strings.`,
    `- ${pick(random, ['Feature-flag the change until tests pass in staging.', 'Keep the old path until callers migrate.', 'No new dependencies are needed.'])}`,
    '',
  ],
  tester: ([first, second, third], random) => [
    '## Test cases',
    '',
    '| # | Case | Expected |',
    '| --- | --- | --- |',
    `| 1 | valid ${first} | succeeds and is persisted |`,
    `| 2 | missing ${second} | rejected with a message naming the field |`,
    `| 3 | duplicate ${first} | ${pick(random, ['conflict error', 'idempotent success', 'rejected'])} |`,
    `| 4 | ${third} unavailable | retried, then a clear failure |`,
    '',
    '## Edge cases',
    '',
    `- Empty and maximum-size ${first}.`,
    `- Concurrent updates to the same ${second}.`,
    `- ${pick(random, ['Unicode and very long strings.', 'Clock changes and time zones.', 'Slow or partial responses.'])}`,
    '',
    '## Coverage',
    '',
    `- Target ${pick(random, ['80', '85', '90'])}% of lines in the changed modules; every branch of ${first} validation.`,
    '',
  ],
  reviewer: ([first, second, third], random) => [
    '## Findings',
    '',
    `- **${pick(random, ['critical', 'warning'])}** — input for ${first} reaches ${second} without validation.`,
    `- **warning** — errors around ${third} are swallowed; callers cannot tell failure from success.`,
    `- **suggestion** — extract the ${second} handling into one function with tests.`,
    `- **approval** — the ${pick(random, ['naming', 'module layout', 'test structure'])} is clear and consistent.`,
    '',
    '## Verdict',
    '',
    `${pick(random, ['Changes requested', 'Approve after fixes', 'Changes requested'])}: address the first two findings, then re-review.`,
    '',
  ],
  writer: ([first, second, third], random) => [
    '## Outline',
    '',
    `1. Overview — what ${first} is and who it is for.`,
    `2. Getting started — set up ${second} in ${pick(random, ['five', 'three', 'ten'])} minutes.`,
    `3. Reference — every option of ${third}, with defaults.`,
    '4. Troubleshooting — the common errors and their fixes.',
    '',
    '## Gaps found',
    '',
    `- ${pascal(first)} has no example of the failure path.`,
    `- ${pascal(second)} options are undocumented.`,
    '',
  ],
  planner: ([first, second, third], random) => [
    '## Plan',
    '',
    `1. **Milestone 1** — ${first} agreed and designed (${pick(random, ['2', '3', '4'])} days).`,
    `2. **Milestone 2** — ${second} implemented behind a flag.`,
    `3. **Milestone 3** — ${third} tested and released.`,
    '',
    '## Owners',
    '',
    `- ${first}: analyzer and designer; ${second}: developer; ${third}: tester and reviewer.`,
    '',
    '## Risks',
    '',
    `- Scope creep around ${first}; hold a checkpoint after milestone 1.`,
    '',
  ],
  operator: ([first, second, third], random) => [
    '## Steps',
    '',
    `1. Capture the current state of ${first} (configuration, versions, dashboards).`,
    `2. Apply the change to ${second} in ${pick(random, ['staging', 'one canary instance', 'a single region'])} first.`,
    `3. Watch ${third} error rate and latency for 30 minutes; roll back on regression.`,
    '',
    '## Runbook',
    '',
    `- Rollback: redeploy the previous ${first} release; no data migration to undo.`,
    `- Alerts: page on ${third} errors above 1% for 5 minutes.`,
    '',
  ],
  generic: ([first, second, third], random) => [
    '## Understanding',
    '',
    `The task is about ${first}, with ${second} and ${third} as constraints.`,
    '',
    '## Approach',
    '',
    `1. Clarify ${first}.`,
    `2. ${pick(random, ['Work through', 'Address', 'Resolve'])} ${second}.`,
    `3. Check the result against ${third}.`,
    '',
    '## Result',
    '',
    `A first answer for ${first}; details depend on ${second}.`,
    '',
    '## Next steps',
    '',
    `- Confirm ${third} with the requester.`,
    '',
  ],
};

/** `code-reviewer` → `Code Reviewer`; `rate limiter` → `Rate Limiter`. */
export function toTitleCase(name: string): string {
  return name
    .split(/[\s_-]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join(' ');
}

function pascal(word: string): string {
  return toTitleCase(word).replace(/[^A-Za-z0-9]/g, '');
}

function camel(word: string): string {
  const value = pascal(word);
  return value[0]!.toLowerCase() + value.slice(1);
}

function kebab(phrase: string): string {
  return phrase.replace(/[\s_']+/g, '-');
}

function level(random: () => number): string {
  return pick(random, ['low', 'medium', 'high']);
}

function pick<T>(random: () => number, choices: readonly T[]): T {
  return choices[Math.floor(random() * choices.length)]!;
}
