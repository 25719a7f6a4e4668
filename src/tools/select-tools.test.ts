import { describe, expect, it } from 'vitest';
import { BUILTIN_TOOL_NAMES, createBuiltinTools } from './builtin-tools.js';
import { isWithinCeiling, selectTools } from './select-tools.js';

const builtins = createBuiltinTools();
const names = (tools: readonly { name: string }[]) => tools.map((tool) => tool.name);

describe('createBuiltinTools', () => {
  it('has Claude Code\'s six workspace tools, SendMessage and Escalate, each with the permission of its ceiling', () => {
    expect(names(builtins)).toEqual([...BUILTIN_TOOL_NAMES]);
    expect(Object.fromEntries(builtins.map((tool) => [tool.name, tool.permission]))).toEqual({
      Read: 'read',
      Glob: 'read',
      Grep: 'read',
      Write: 'edit',
      Edit: 'edit',
      Bash: 'full',
      SendMessage: 'read',
      Escalate: 'read',
    });
    expect(names(createBuiltinTools({ isShellAvailable: false }))).toEqual(['Read', 'Glob', 'Grep', 'Write', 'Edit', 'SendMessage', 'Escalate']);
  });
});

describe('selectTools', () => {
  it('offers every builtin within the ceiling when the agent lists none, and no MCP tool', () => {
    expect(names(selectTools([], 'read', builtins).tools)).toEqual(['Read', 'Glob', 'Grep', 'Escalate']);
    expect(names(selectTools([], 'edit', builtins).tools)).toEqual(['Read', 'Glob', 'Grep', 'Write', 'Edit', 'Escalate']);
    expect(selectTools([], 'full', builtins)).toEqual({ tools: [...builtins.slice(0, 6), builtins[7]], mcp: [], unknown: [], withheld: [], unenforcedPatterns: [] });
  });

  it('offers SendMessage only when the run\'s communication is on: with an empty list, or when the list names it', () => {
    const on = { communication: true };
    expect(names(selectTools([], 'read', builtins, on).tools)).toEqual(['Read', 'Glob', 'Grep', 'SendMessage', 'Escalate']);
    expect(names(selectTools(['Read', 'SendMessage'], 'read', builtins, on).tools)).toEqual(['Read', 'SendMessage', 'Escalate']);
    expect(names(selectTools(['Read', 'Grep'], 'full', builtins, on).tools)).toEqual(['Read', 'Grep', 'Escalate']);
    // Off, it is a known tool this run does not use: neither offered nor reported as unknown.
    expect(selectTools(['Read', 'SendMessage'], 'full', builtins, { communication: false })).toMatchObject({ tools: [builtins[0], builtins[7]], unknown: [], withheld: [] });
    expect(names(selectTools([], 'full', builtins).tools)).not.toContain('SendMessage');
  });

  it('offers only the tools listed, and withholds those above the ceiling', () => {
    const selection = selectTools(['Read', 'Grep', 'Edit', 'Bash'], 'edit', builtins);
    expect(names(selection.tools)).toEqual(['Read', 'Grep', 'Edit', 'Escalate']);
    expect(selection.withheld).toEqual(['Bash']);
    expect(selectTools(['Write', 'Edit'], 'read', builtins)).toMatchObject({ tools: [], withheld: ['Write', 'Edit'] });
  });

  it('reports names ensemble does not implement once each, and matches names as Claude Code writes them', () => {
    const selection = selectTools(['Read', 'Task', 'WebFetch', 'Task', 'TeamCreate', 'NotebookEdit', 'read', ' Glob '], 'full', builtins);
    expect(names(selection.tools)).toEqual(['Read', 'Glob', 'Escalate']);
    expect(selection.unknown).toEqual(['Task', 'WebFetch', 'TeamCreate', 'NotebookEdit', 'read']);
  });

  it('reads MCP references: a whole server or one tool, once each, in the order asked', () => {
    const selection = selectTools(['mcp__github', 'mcp__fs__read_file', 'mcp__github', 'mcp__fs__list_directory', 'mcp__', 'mcp____x'], 'read', builtins);
    expect(selection.mcp).toEqual([{ server: 'github' }, { server: 'fs', tool: 'read_file' }, { server: 'fs', tool: 'list_directory' }]);
    expect(selection.unknown).toEqual(['mcp__', 'mcp____x']);
    // An agent of MCP tools only may still ask a person.
    expect(names(selection.tools)).toEqual(['Escalate']);
  });

  it('takes Bash(npm test) to mean Bash, listing the pattern as not enforced', () => {
    const selection = selectTools(['Bash(npm test:*)', 'Read(src/**)', 'Bash(git diff)'], 'full', builtins);
    expect(names(selection.tools)).toEqual(['Read', 'Bash', 'Escalate']);
    expect(selection.unenforcedPatterns).toEqual(['Bash(npm test:*)', 'Read(src/**)', 'Bash(git diff)']);
    expect(selectTools(['Bash(npm test)'], 'edit', builtins)).toMatchObject({ tools: [], withheld: ['Bash'] });
  });
});

describe('selectTools: Escalate and RequestLease', () => {
  it('adds Escalate to any selection that offers a tool, once, and offers it alone when named alone', () => {
    expect(names(selectTools(['Read'], 'read', builtins).tools)).toEqual(['Read', 'Escalate']);
    expect(names(selectTools(['Escalate', 'Read'], 'read', builtins).tools)).toEqual(['Read', 'Escalate']);
    expect(names(selectTools(['Escalate'], 'read', builtins).tools)).toEqual(['Escalate']);
    // Nothing to act with: nothing offered (the agent can still write an <ESCALATE> block).
    expect(selectTools(['Bash'], 'read', builtins)).toMatchObject({ tools: [], withheld: ['Bash'] });
    expect(selectTools(['Task'], 'full', builtins)).toMatchObject({ tools: [], unknown: ['Task'] });
  });

  it('never selects RequestLease (the runtime offers it under leases) and does not call it unknown', () => {
    expect(selectTools(['Write', 'RequestLease'], 'edit', builtins)).toMatchObject({ tools: [builtins[3], builtins[7]], unknown: [] });
  });
});

describe('isWithinCeiling', () => {
  it('orders read < edit < full', () => {
    expect(isWithinCeiling('read', 'read')).toBe(true);
    expect(isWithinCeiling('edit', 'read')).toBe(false);
    expect(isWithinCeiling('edit', 'full')).toBe(true);
    expect(isWithinCeiling('full', 'edit')).toBe(false);
  });
});
