import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandVariables } from './expand-variables.js';
import { loadMcpServers } from './load-mcp-servers.js';
import { mcpServersConfigSchema } from './schema.js';

let workspaceDir: string;
beforeEach(() => {
  workspaceDir = mkdtempSync(join(tmpdir(), 'ensemble-mcp-config-'));
});
afterEach(() => rmSync(workspaceDir, { recursive: true, force: true }));

const writeMcpJson = (value: unknown): void => writeFileSync(join(workspaceDir, '.mcp.json'), typeof value === 'string' ? value : JSON.stringify(value));

async function loadError(options: Parameters<typeof loadMcpServers>[0]): Promise<{ code: string; message: string }> {
  try {
    await loadMcpServers(options);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected loadMcpServers to fail');
}

describe('expandVariables', () => {
  it('expands ${VAR} and ${VAR:-default} as Claude Code does, and reports unset names', () => {
    const variables = { TOKEN: 'abc', EMPTY: '' };
    expect(expandVariables('Bearer ${TOKEN}', variables)).toEqual({ value: 'Bearer abc', missing: [] });
    expect(expandVariables('${EMPTY:-fallback}|${UNSET:-fallback:-x}', variables)).toEqual({ value: '|fallback:-x', missing: [] });
    expect(expandVariables('${UNSET}/${UNSET}/$TOKEN', variables)).toEqual({ value: '${UNSET}/${UNSET}/$TOKEN', missing: ['UNSET'] });
  });
});

describe('loadMcpServers', () => {
  it('has no servers without a .mcp.json or config entries', async () => {
    expect(await loadMcpServers({ workspaceDir })).toEqual([]);
  });

  it('reads stdio and http servers from .mcp.json, expanding variables everywhere, tolerating fields Claude Code adds', async () => {
    writeMcpJson({
      mcpServers: {
        files: { command: '${BIN:-npx}', args: ['-y', 'server', '${HOME_DIR}'], env: { ROOT: '${HOME_DIR}/x' }, alwaysLoad: true },
        api: { type: 'http', url: 'https://${HOST}/mcp', headers: { Authorization: 'Bearer ${API_TOKEN}' } },
        legacy: { type: 'sse', url: 'http://127.0.0.1:1/sse' },
      },
      futureTopLevel: 1,
    });
    const servers = await loadMcpServers({ workspaceDir, variables: { HOME_DIR: '/h', HOST: 'example.test' } });
    expect(servers).toEqual([
      { name: 'files', source: '.mcp.json', type: 'stdio', command: 'npx', args: ['-y', 'server', '/h'], env: { ROOT: '/h/x' }, missingVariables: [] },
      { name: 'api', source: '.mcp.json', type: 'http', url: 'https://example.test/mcp', headers: { Authorization: 'Bearer ${API_TOKEN}' }, missingVariables: ['API_TOKEN'] },
      { name: 'legacy', source: '.mcp.json', type: 'sse', url: 'http://127.0.0.1:1/sse', headers: {}, missingVariables: [] },
    ]);
  });

  it('lets the config file replace a server of the same name and add others', async () => {
    writeMcpJson({ mcpServers: { files: { command: 'from-json' }, other: { command: 'kept' } } });
    const configServers = mcpServersConfigSchema.parse({ files: { type: 'stdio', command: 'from-config' }, extra: { type: 'http', url: 'http://127.0.0.1:2/mcp' } });
    const servers = await loadMcpServers({ workspaceDir, configServers, variables: {} });
    expect(servers.map((server) => [server.name, server.source, server.type === 'stdio' ? server.command : server.url])).toEqual([
      ['files', 'ensemble.config.yaml', 'from-config'],
      ['other', '.mcp.json', 'kept'],
      ['extra', 'ensemble.config.yaml', 'http://127.0.0.1:2/mcp'],
    ]);
  });

  it('names the file, server and field of every bad entry', async () => {
    writeMcpJson({ mcpServers: { github: { args: ['x'] }, remote: { type: 'http' }, socket: { type: 'ws', url: 'x' }, 'bad name': { command: 'x' }, argv: { command: 'x', args: 'y' } } });
    const error = await loadError({ workspaceDir });
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message.split('\n').sort()).toEqual([
      '.mcp.json: mcpServers.argv.args: expected a list of strings',
      expect.stringMatching(/^\.mcp\.json: mcpServers\.bad name: a server name may hold only letters, digits, "-" and "_"$/),
      '.mcp.json: mcpServers.github.command: required',
      '.mcp.json: mcpServers.remote.url: required',
      '.mcp.json: mcpServers.socket.type: expected "stdio", "http" or "sse"',
    ]);
  });

  it('reports a .mcp.json that is not JSON', async () => {
    writeMcpJson('{"mcpServers": ');
    const error = await loadError({ workspaceDir });
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toMatch(/^\.mcp\.json: invalid JSON: /);
  });

  it('is strict with the config file: an unknown field is an error', () => {
    const parsed = mcpServersConfigSchema.safeParse({ files: { command: 'x', arg: ['typo'] } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', path: ['files'] });
  });
});
