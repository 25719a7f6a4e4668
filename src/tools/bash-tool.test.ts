import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../test/helpers/rejection.js';
import { isProcessGone } from '../../test/helpers/process-agents.js';
import { buildAgentEnvironment, createShellRunner } from '../agents/process/index.js';
import { bashTool, formatShellResult } from './bash-tool.js';
import type { ToolContext } from './workspace-tool.js';

let root: string;
let workspace: string;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-bash-tool-test-')));
  workspace = mkdtempSync(join(root, 'workspace-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const runShell = createShellRunner({ agentName: 'bash-test', env: buildAgentEnvironment(process.env, undefined, {}), killGraceMs: 300, limitSampleIntervalMs: 50 });

function context(signal: AbortSignal = new AbortController().signal): ToolContext {
  return { workspaceDir: workspace, signal, runShell };
}

/** Parses like the agent loop does, then runs. */
async function call(input: unknown, toolContext: ToolContext = context()) {
  return bashTool.execute(bashTool.inputSchema.parse(input), toolContext);
}

describe('Bash tool', () => {
  it('is offered only under the full ceiling and summarises the command on one line', () => {
    expect(bashTool.name).toBe('Bash');
    expect(bashTool.permission).toBe('full');
    expect(bashTool.summarize({ command: 'npm test\n  -- --run' })).toBe('npm test -- --run');
    expect(bashTool.summarize({ command: 'x'.repeat(500) })).toHaveLength(200);
  });

  it('validates the input as Claude Code sends it: timeout at most 10 minutes, unknown keys ignored', () => {
    expect(bashTool.inputSchema.safeParse({ command: 'ls', timeout: 600_001 }).success).toBe(false);
    expect(bashTool.inputSchema.safeParse({ command: '' }).success).toBe(false);
    expect(bashTool.inputSchema.parse({ command: 'ls', description: 'List files', run_in_background: false })).toEqual({ command: 'ls', description: 'List files' });
  });

  it('runs in the workspace and returns stdout, stderr and a non-zero exit code as a result, not an error', async () => {
    const result = await call({ command: 'pwd; echo oops >&2; exit 2' });
    expect(result.output).toBe(`${workspace}\n[stderr]\noops\n[exit code 2]`);
    expect(await call({ command: 'true' })).toEqual({ output: '(no output)' });
  }, 15_000);

  it('fails a command that runs past its timeout with what it printed, its processes killed', async () => {
    const failure = await rejection(call({ command: 'echo started; sleep 300 & echo $!; sleep 300', timeout: 1500 }));
    expect(failure.code).toBe('TOOL_FAILED');
    expect(failure.message).toMatch(/^Bash: killed after 1500 ms \(timeout\); output until then:\nstarted\n\d+$/);
    const pid = Number(failure.message.split('\n').at(-1));
    expect(isProcessGone(pid)).toBe(true);
  }, 15_000);

  it('passes the task\'s abort on untouched', async () => {
    const controller = new AbortController();
    const reason = new Error('task cancelled');
    setTimeout(() => controller.abort(reason), 300);
    await expect(call({ command: 'sleep 300' }, context(controller.signal))).rejects.toBe(reason);
  }, 15_000);

  it('is refused without a shell in the run, and for a NUL byte', async () => {
    const noShell = await rejection(call({ command: 'echo hi' }, { workspaceDir: workspace, signal: new AbortController().signal }));
    expect(noShell).toMatchObject({ code: 'TOOL_REFUSED', message: 'Bash: no shell in this run' });
    const nul = await rejection(call({ command: 'echo a\0b' }));
    expect(nul.code).toBe('TOOL_REFUSED');
  });

  it('turns a runner failure into a tool error the model reads', async () => {
    const failing = createShellRunner({ agentName: 'bash-test', env: buildAgentEnvironment(process.env, undefined, {}), killGraceMs: 300 });
    const failure = await rejection(call({ command: 'echo hi' }, { workspaceDir: join(root, 'missing'), signal: new AbortController().signal, runShell: failing }));
    expect(failure.code).toBe('TOOL_FAILED');
    expect(failure.message).toContain('does not exist');
  }, 15_000);

  it('runs a hostile command only as the literal text the model wrote; hostile file names stay data', async () => {
    const hostileName = `a'b"c\n$(touch pwned) \`touch pwned\`; touch ..\\pwned`;
    writeFileSync(join(workspace, hostileName), 'x');
    const listed = await call({ command: 'ls' });
    expect(listed.output).toContain('$(touch');
    const quoted = await call({ command: `echo '$(touch pwned)'` });
    expect(quoted.output).toBe('$(touch pwned)');
    // Only the hostile file itself is there: nothing ran its name.
    expect(readdirSync(workspace)).toEqual([hostileName]);
    rmSync(join(workspace, hostileName));
  }, 15_000);
});

describe('formatShellResult', () => {
  it('says when a command was killed by a signal', () => {
    expect(formatShellResult({ stdout: 'partial\n', stderr: '', exitCode: null, isTimedOut: false, isTruncated: false })).toBe('partial\n[killed by a signal]');
  });
});
