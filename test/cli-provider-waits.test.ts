import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from './helpers/cli.js';
import { openAiErrorReply, openAiModelsReply, openAiStreamReply, startProviderServer, type ProviderServer } from './helpers/provider-servers.js';

let server: ProviderServer;
beforeEach(async () => {
  server = await startProviderServer();
});
afterEach(async () => {
  await server.close();
});

// Issue 6: a stuck provider parked every caller silently; the views say why nothing moves.
describe('provider waits in the line view (CLI, OpenAI protocol on loopback)', () => {
  it('prints the rate-limit pause of the task that waits, with the provider, the wait and the cause', async () => {
    const folder = makeTempDir();
    server.enqueue(openAiErrorReply(429, 'Rate limit reached', { 'retry-after': '1' }));
    server.setDefault(openAiStreamReply({ model: 'qwen2.5-coder', chunks: ['done'], inputTokens: 10, outputTokens: 2 }));
    server.route('/v1/models', openAiModelsReply(['qwen2.5-coder']));
    const result = await runCli(['run', 'feature', '--param', 'feature=x', '--db', join(folder, 'j.db')], {
      cwd: folder,
      env: { OPENAI_BASE_URL: `${server.url}/v1`, ENSEMBLE_MODEL: 'qwen2.5-coder' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^⏸ analyze waiting: openai-compatible rate-limited 1s \(PROVIDER_RATE_LIMITED: .*429.*\)$/m);
    expect(result.stdout).toMatch(/succeeded\s+5\/5 tasks succeeded/);
  });
});
