import { describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { toMcpToolName, toMcpWorkspaceTool, toToolOutput } from './to-mcp-workspace-tool.js';
import type { McpCallResult } from './to-mcp-workspace-tool.js';

const context = (signal = new AbortController().signal) => ({ workspaceDir: '/tmp', signal });
const echoTool: Tool = { name: 'echo.v2', description: 'Echoes', inputSchema: { type: 'object', properties: { text: { type: 'string' } } }, annotations: { readOnlyHint: true } };

describe('MCP tools as workspace tools', () => {
  it('names tools mcp__<server>__<tool> with only characters providers accept', () => {
    expect(toMcpToolName('github', 'create_issue')).toBe('mcp__github__create_issue');
    expect(toMcpToolName('fs', 'read.file/v2 now')).toBe('mcp__fs__read_file_v2_now');
  });

  it('keeps the server\'s input schema, accepts any object, and offers read-only tools under "read", others under "full"', () => {
    const tool = toMcpWorkspaceTool('fs', echoTool, () => Promise.resolve({}));
    expect(tool).toMatchObject({ name: 'mcp__fs__echo_v2', permission: 'read', description: 'Echoes', inputJsonSchema: echoTool.inputSchema });
    expect(tool.inputSchema.parse({ text: 'x', other: 1 })).toEqual({ text: 'x', other: 1 });
    expect(tool.inputSchema.safeParse('text').success).toBe(false);
    expect(toMcpWorkspaceTool('fs', { ...echoTool, annotations: {} }, () => Promise.resolve({})).permission).toBe('full');
    expect(toMcpWorkspaceTool('fs', { ...echoTool, annotations: { readOnlyHint: false } }, () => Promise.resolve({})).permission).toBe('full');
  });

  it('summarises an input on one short line', () => {
    const tool = toMcpWorkspaceTool('fs', echoTool, () => Promise.resolve({}));
    expect(tool.summarize({ text: 'a\nb' })).toBe('{"text":"a\\nb"}');
    expect(tool.summarize({ text: 'x'.repeat(500) })).toHaveLength(200);
  });

  it('joins text parts and describes binary ones', () => {
    const result: McpCallResult = {
      content: [
        { type: 'text', text: 'first' },
        { type: 'image', data: 'AAAA', mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'inside' } },
        { type: 'resource', resource: { uri: 'file:///b.bin', blob: 'AAAAAA==' } },
        { type: 'resource_link', uri: 'file:///c', name: 'c' },
      ],
    };
    expect(toToolOutput(result)).toBe('first\n\n[image image/png, 3 bytes]\n\n[resource file:///a.txt (text/plain)]\ninside\n\n[resource file:///b.bin, 4 bytes]\n\n[resource link file:///c: c]');
    expect(toToolOutput({ content: [], structuredContent: { count: 2 } })).toBe('{"count":2}');
    expect(toToolOutput({ content: [] })).toBe('(no output)');
  });

  it('turns isError and a failed call into TOOL_FAILED, and passes an abort through untouched', async () => {
    const failing = toMcpWorkspaceTool('fs', echoTool, () => Promise.resolve({ isError: true, content: [{ type: 'text', text: 'no such file' }] }));
    await expect(failing.execute({}, context())).rejects.toMatchObject({ code: 'TOOL_FAILED', message: 'no such file' });
    const throwing = toMcpWorkspaceTool('fs', echoTool, () => Promise.reject(new Error('MCP error -32602: bad input')));
    await expect(throwing.execute({}, context())).rejects.toMatchObject({ code: 'TOOL_FAILED', message: 'mcp__fs__echo_v2: MCP error -32602: bad input' });
    const controller = new AbortController();
    const reason = new Error('task cancelled');
    controller.abort(reason);
    const aborted = toMcpWorkspaceTool('fs', echoTool, (_name, _input, signal) => Promise.reject(signal.reason as Error));
    await expect(aborted.execute({}, context(controller.signal))).rejects.toBe(reason);
  });
});
