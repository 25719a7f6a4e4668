import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DependencyOutput } from '../../core/index.js';
import { MEMORY_HOG_PROGRAM, commandAgent, commandInvocation, failureOf, isProcessGone, waitFor } from '../../../test/helpers/process-agents.js';
import type { AgentInvocation } from '../agent-runtime.js';
import { createCommandRuntime } from './command-runtime.js';
import type { AgentDefinition } from '../registry/parse-agent-definition.js';

let root: string;
let scripts: string;
let workspace: string;

// Small node programs standing in for agents; run with process.execPath, never a shell.
const SCRIPTS: Readonly<Record<string, string>> = {
  'report.mjs': `
    import { readFileSync, statSync } from 'node:fs';
    import { dirname } from 'node:path';
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('ENSEMBLE_')));
    process.stdout.write(JSON.stringify({
      stdin: Buffer.concat(chunks).toString('utf8'),
      argv: process.argv.slice(2),
      cwd: process.cwd(),
      env,
      inputs: JSON.parse(readFileSync(process.env.ENSEMBLE_INPUTS, 'utf8')),
      promptFile: readFileSync(process.env.ENSEMBLE_PROMPT_FILE, 'utf8'),
      modes: {
        inputs: statSync(process.env.ENSEMBLE_INPUTS).mode & 0o777,
        prompt: statSync(process.env.ENSEMBLE_PROMPT_FILE).mode & 0o777,
        folder: statSync(dirname(process.env.ENSEMBLE_INPUTS)).mode & 0o777,
      },
    }));
  `,
  'fail.mjs': `
    process.stderr.write('starting\\nboom: the database is unreachable\\n\\n');
    process.exit(3);
  `,
  'crash.mjs': `
    process.stderr.write('about to crash\\n');
    process.kill(process.pid, 'SIGKILL');
  `,
  'flood.mjs': `
    const line = 'x'.repeat(1023) + '\\n';
    function write() { while (process.stdout.write(line)) {} process.stdout.once('drain', write); }
    write();
  `,
  'ignore-stdin.mjs': `process.stdout.write('done without reading');`,
  'environment.mjs': `process.stdout.write(JSON.stringify(process.env));`,
  // Spawns a grandchild in the same process group, records both pids, then sleeps.
  'family.mjs': `
    import { spawn } from 'node:child_process';
    import { writeFileSync } from 'node:fs';
    const [pidFile, mode] = process.argv.slice(2);
    const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: mode === 'exit' ? 'inherit' : 'ignore' });
    writeFileSync(pidFile, JSON.stringify({ child: process.pid, grandchild: grandchild.pid }));
    if (mode === 'exit') process.exit(0);
    setInterval(() => {}, 1000);
  `,
  'stubborn.mjs': `
    import { writeFileSync } from 'node:fs';
    process.on('SIGTERM', () => {});
    writeFileSync(process.argv[2], JSON.stringify({ child: process.pid }));
    setInterval(() => {}, 1000);
  `,
  'hog.mjs': MEMORY_HOG_PROGRAM,
  // The parent stays small; its child in the same process group is the hog.
  'hog-family.mjs': `
    import { spawn } from 'node:child_process';
    import { fileURLToPath } from 'node:url';
    const hog = fileURLToPath(new URL('./hog.mjs', import.meta.url));
    spawn(process.execPath, [hog], { stdio: 'ignore' });
    setTimeout(() => {}, 30000);
  `,
  'spin.mjs': `
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {}
  `,
  'sleep.mjs': `setTimeout(() => process.stdout.write('woke up'), Number(process.argv[2]));`,
  'edit.mjs': `
    import { writeFileSync } from 'node:fs';
    writeFileSync('tracked.txt', 'changed by the agent\\n');
    process.stdout.write('edited');
  `,
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ensemble-command-test-'));
  scripts = join(root, 'scripts');
  workspace = join(root, 'workspace');
  mkdirSync(scripts);
  mkdirSync(workspace);
  for (const [name, source] of Object.entries(SCRIPTS)) writeFileSync(join(scripts, name), source);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function agentRunning(script: string, ...args: string[]): AgentDefinition {
  return commandAgent([process.execPath, join(scripts, script), ...args]);
}

function invocation(agent: AgentDefinition, prompt: string, inputs: readonly DependencyOutput[] = [], cwd = workspace): AgentInvocation {
  return commandInvocation(agent, prompt, cwd, { inputs });
}

function readPids(pidFile: string): { child: number; grandchild?: number } | undefined {
  try {
    return JSON.parse(readFileSync(pidFile, 'utf8')) as { child: number; grandchild?: number };
  } catch {
    return undefined;
  }
}

describe('command runtime', () => {
  const runtime = createCommandRuntime();

  it('counts what a cli agent that reported an error had spent (its JSON usage and cost), like a failed model call', async () => {
    const report = JSON.stringify({
      type: 'result', subtype: 'success', is_error: true, result: 'Credit balance is too low', total_cost_usd: 0.25,
      usage: { input_tokens: 1000, output_tokens: 200 },
    });
    const agent = commandAgent([process.execPath, '-e', `process.stdout.write(${JSON.stringify(report)}); process.exitCode = 1`], {
      runtime: 'cli',
      outputFormat: 'claude-json',
    });
    const reported: { tokens: number; costUsd: number }[] = [];
    const failing = runtime.run(
      { ...invocation(agent, 'x'), reportUsage: (usage, costUsd) => void reported.push({ tokens: usage.totalTokens, costUsd }) },
      new AbortController().signal,
    );
    const failure = await failureOf(failing);
    expect(failure.code).toBe('AGENT_FAILED');
    expect(reported).toEqual([{ tokens: 1200, costUsd: 0.25 }]);
  });

  it('gives the prompt on stdin and as {prompt}, the run context in the environment, and returns stdout', async () => {
    const inputs = [
      { taskId: 'design', agentName: 'designer', output: 'the design' },
      { taskId: 'analyze', agentName: 'analyzer', output: 'the analysis\nline two' },
    ];
    const agent = agentRunning('report.mjs', '--prompt', '{prompt}');
    const outcome = await runtime.run(invocation(agent, 'Write the tests', inputs), new AbortController().signal);
    const report = JSON.parse(outcome.output) as Record<string, unknown>;
    expect(report['stdin']).toBe('Write the tests');
    expect(report['argv']).toEqual(['--prompt', 'Write the tests']);
    expect(report['cwd']).toBe(workspace);
    expect(report['inputs']).toEqual(inputs);
    expect(report['promptFile']).toBe('Write the tests');
    const env = report['env'] as Record<string, string>;
    expect(env).toMatchObject({
      ENSEMBLE_RUN_ID: 'run-test-1',
      ENSEMBLE_TASK_ID: 'task-7',
      ENSEMBLE_ATTEMPT: '2',
      ENSEMBLE_AGENT_NAME: 'probe',
      ENSEMBLE_PROMPT: 'Write the tests',
    });
    expect(env['ENSEMBLE_EXECUTION_ID']).toBe('run-test-1:task-7:2');
    expect(env['ENSEMBLE_INPUTS']).toBe(join(dirname(env['ENSEMBLE_PROMPT_FILE']!), 'inputs.json'));
    expect(env['ENSEMBLE_INPUTS']).toMatch(/\/ensemble-agents-[0-9a-f]{8}-\d+-\d+\/attempt-[^/]+\/inputs\.json$/);
    // The attempt's scratch folder, and the process's folder with it, are gone once it ends.
    expect(existsSync(dirname(env['ENSEMBLE_INPUTS']!))).toBe(false);
    expect(existsSync(dirname(dirname(env['ENSEMBLE_INPUTS']!)))).toBe(false);
    expect(report['modes']).toEqual({ inputs: 0o600, prompt: 0o600, folder: 0o700 });
    expect(outcome.usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
    expect(outcome.evidence).toEqual({ runtime: 'command', command: agent.command, exitCode: 0, stderr: '' });
  });

  it('passes shell metacharacters through byte for byte and never runs a shell', async () => {
    const prompt = 'Fix it: $(touch pwned) `touch pwned` ; touch pwned && echo "double" \'single\' | cat > pwned\nsecond line\t\\n ${HOME} ünïcødé 🎻\n';
    const outcome = await runtime.run(invocation(agentRunning('report.mjs', '{prompt}'), prompt), new AbortController().signal);
    const report = JSON.parse(outcome.output) as { stdin: string; argv: string[]; env: Record<string, string> };
    expect(report.stdin).toBe(prompt);
    expect(report.argv).toEqual([prompt]);
    expect(report.env['ENSEMBLE_PROMPT']).toBe(prompt);
    expect(existsSync(join(workspace, 'pwned'))).toBe(false);
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
    expect(readdirSync(workspace)).toEqual([]);
  });

  it('tolerates a program that never reads its stdin', async () => {
    const outcome = await runtime.run(invocation(agentRunning('ignore-stdin.mjs'), 'p'.repeat(2_000_000)), new AbortController().signal);
    expect(outcome.output).toBe('done without reading');
  });

  it('regression #6: passes an allow-listed environment; keys and tokens only when the agent declares them', async () => {
    const secrets = { ANTHROPIC_API_KEY: 'sk-ant-secret', ENSEMBLE_TOKEN: 'server-token', NODE_AUTH_TOKEN: 'npm-secret', ENSEMBLE_PROMPT: 'stale', AIDER_MODEL: 'sonnet' };
    const saved = Object.fromEntries(Object.keys(secrets).map((name) => [name, process.env[name]]));
    Object.assign(process.env, secrets, { LC_TIME: 'C', NODE_OPTIONS: '--no-warnings' });
    try {
      const plain = await runtime.run(invocation(agentRunning('environment.mjs'), 'x'.repeat(120_000)), new AbortController().signal);
      const env = JSON.parse(plain.output) as Record<string, string>;
      for (const name of Object.keys(secrets)) expect(env[name], name).toBeUndefined();
      expect(env).toMatchObject({ PATH: process.env.PATH, LC_TIME: 'C', NODE_OPTIONS: '--no-warnings', ENSEMBLE_TASK_ID: 'task-7' });
      expect(Object.keys(env).filter((name) => name.startsWith('ENSEMBLE_')).sort()).toEqual([
        'ENSEMBLE_AGENT_NAME', 'ENSEMBLE_ATTEMPT', 'ENSEMBLE_CONTEXT', 'ENSEMBLE_EXECUTION_ID', 'ENSEMBLE_INPUTS', 'ENSEMBLE_MESSAGES', 'ENSEMBLE_PROCESS_TAG',
        'ENSEMBLE_PROMPT_FILE', 'ENSEMBLE_RUN_ID', 'ENSEMBLE_TASK_ID',
      ]);
      const declaring = { ...agentRunning('environment.mjs'), env: { passThrough: ['ANTHROPIC_API_KEY', 'AIDER_*', 'NOT_SET'], values: { CI: 'true' } } };
      const declared = JSON.parse((await runtime.run(invocation(declaring, 'x'), new AbortController().signal)).output) as Record<string, string>;
      expect(declared).toMatchObject({ ANTHROPIC_API_KEY: 'sk-ant-secret', AIDER_MODEL: 'sonnet', CI: 'true', ENSEMBLE_PROMPT: 'x' });
      expect(declared['ENSEMBLE_TOKEN']).toBeUndefined();
      expect('NOT_SET' in declared).toBe(false);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      delete process.env['LC_TIME'];
      delete process.env['NODE_OPTIONS'];
    }
  });

  it('regression #6: a prompt too long for an argument fails before spawning, naming the agent, the size and the fix', async () => {
    const prompt = 'p'.repeat(200_000);
    const failure = await failureOf(runtime.run(invocation(agentRunning('report.mjs', '--prompt', '{prompt}'), prompt), new AbortController().signal));
    expect(failure.code).toBe('AGENT_SPAWN_FAILED');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toBe(
      'agent "probe" cannot be started: the prompt is 200000 bytes, too long for one command-line argument (the system takes at most 131071); ' +
        'remove "{prompt}" from the agent\'s command so the prompt comes on stdin (it is also in the file named by $ENSEMBLE_PROMPT_FILE)',
    );
    expect(failure.details).toMatchObject({ agentName: 'probe', reason: 'argument-too-long', kind: 'argument', index: 3, bytes: 200_001 });
    // The same prompt on stdin is fine.
    const outcome = await runtime.run(invocation(agentRunning('report.mjs'), prompt), new AbortController().signal);
    expect((JSON.parse(outcome.output) as { stdin: string }).stdin).toBe(prompt);
  });

  it('fails a non-zero exit with the code and the last stderr line, retryable', async () => {
    const failure = await failureOf(runtime.run(invocation(agentRunning('fail.mjs'), 'x'), new AbortController().signal));
    expect(failure.code).toBe('AGENT_EXIT_NONZERO');
    expect(failure.message).toBe('agent "probe" exited with code 3: boom: the database is unreachable');
    expect(failure.retryable).toBe(true);
    expect(failure.details).toMatchObject({ exitCode: 3, stderrTail: 'starting\nboom: the database is unreachable\n\n' });
  });

  it('regression #12: the message skips colour codes and a closing brace for the last line that says something', async () => {
    const stderr = '\u001b[31mError: this folder is not trusted\u001b[0m\n{\n  "code": 55\n}\n';
    const agent = commandAgent([process.execPath, '-e', `process.stderr.write(${JSON.stringify(stderr)}); process.exit(55)`]);
    const failure = await failureOf(runtime.run(invocation(agent, 'x'), new AbortController().signal));
    expect(failure.message).toBe('agent "probe" exited with code 55: "code": 55');
    const plain = commandAgent([process.execPath, '-e', `process.stderr.write(${JSON.stringify('\u001b[1;31mError: not trusted\u001b[0m\n}\n')}); process.exit(55)`]);
    expect((await failureOf(runtime.run(invocation(plain, 'x'), new AbortController().signal))).message).toBe('agent "probe" exited with code 55: Error: not trusted');
  });

  it('regression #12: puts the arguments and environment of the run\'s permission ceiling at {permissions} of a cli agent', async () => {
    const printArgs = `process.stdout.write(JSON.stringify({ argv: process.argv.slice(1), sandbox: process.env.IS_SANDBOX ?? null }))`;
    const agent = commandAgent([process.execPath, '-e', printArgs, '--', '{permissions}', '--prompt-follows', '{prompt}'], {
      runtime: 'cli',
      permissions: {
        read: { args: ['--mode', 'plan'], env: {} },
        edit: { args: [], env: {} },
        full: { args: ['--mode', 'bypass'], env: { IS_SANDBOX: '1' } },
      },
    });
    const argvUnder = async (permissions: 'read' | 'edit' | 'full') => {
      const outcome = await runtime.run(commandInvocation(agent, '- fix X', workspace, { permissions }), new AbortController().signal);
      expect(outcome.evidence?.permissions).toBe(permissions);
      return JSON.parse(outcome.output) as { argv: string[]; sandbox: string | null };
    };
    expect(await argvUnder('read')).toEqual({ argv: ['--mode', 'plan', '--prompt-follows', '- fix X'], sandbox: null });
    expect(await argvUnder('edit')).toEqual({ argv: ['--prompt-follows', '- fix X'], sandbox: null });
    expect(await argvUnder('full')).toEqual({ argv: ['--mode', 'bypass', '--prompt-follows', '- fix X'], sandbox: '1' });
  });

  it('names the signal that killed the program', async () => {
    const failure = await failureOf(runtime.run(invocation(agentRunning('crash.mjs'), 'x'), new AbortController().signal));
    expect(failure.code).toBe('AGENT_EXIT_NONZERO');
    expect(failure.message).toBe('agent "probe" was killed by signal SIGKILL: about to crash');
  });

  it('fails to start a missing program with AGENT_SPAWN_FAILED, not retryable', async () => {
    const agent = { ...agentRunning('report.mjs'), command: [join(root, 'no-such-program'), '--flag'] };
    const failure = await failureOf(runtime.run(invocation(agent, 'x'), new AbortController().signal));
    expect(failure.code).toBe('AGENT_SPAWN_FAILED');
    expect(failure.message).toContain(join(root, 'no-such-program'));
    expect(failure.retryable).toBe(false);
  });

  it('kills a program that writes more than maxOutputBytes and names the limit', async () => {
    const limited = createCommandRuntime({ maxOutputBytes: 100_000 });
    const failure = await failureOf(limited.run(invocation(agentRunning('flood.mjs'), 'x'), new AbortController().signal));
    expect(failure.code).toBe('AGENT_LIMIT_EXCEEDED');
    expect(failure.message).toMatch(/^agent "probe" exceeded its output limit of 100000 bytes \(used \d+ bytes\); its processes were killed$/);
    expect(failure.retryable).toBe(false);
    expect(failure.details).toMatchObject({ limit: 'output', value: 100_000 });
  });

  it('on abort kills the program and its grandchild, and rejects with the abort reason', async () => {
    const pidFile = join(root, 'family-pids.json');
    const controller = new AbortController();
    const running = runtime.run(invocation(agentRunning('family.mjs', pidFile, 'stay'), 'x'), controller.signal);
    const pids = await waitFor(() => readPids(pidFile));
    expect(isProcessGone(pids.child)).toBe(false);
    expect(isProcessGone(pids.grandchild!)).toBe(false);
    const reason = new Error('cancelled by test');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await waitFor(() => (isProcessGone(pids.child) && isProcessGone(pids.grandchild!) ? true : undefined));
  });

  it('on abort kills a grandchild still holding the group after the program exited', async () => {
    const pidFile = join(root, 'orphan-pids.json');
    const controller = new AbortController();
    const running = runtime.run(invocation(agentRunning('family.mjs', pidFile, 'exit'), 'x'), controller.signal);
    const pids = await waitFor(() => readPids(pidFile));
    await waitFor(() => (isProcessGone(pids.child) ? true : undefined));
    const reason = new Error('cancelled after exit');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await waitFor(() => (isProcessGone(pids.grandchild!) ? true : undefined));
  });

  it('escalates to SIGKILL after killGraceMs when SIGTERM is ignored', async () => {
    const pidFile = join(root, 'stubborn-pids.json');
    const quick = createCommandRuntime({ killGraceMs: 200 });
    const controller = new AbortController();
    const running = quick.run(invocation(agentRunning('stubborn.mjs', pidFile), 'x'), controller.signal);
    const pids = await waitFor(() => readPids(pidFile));
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(isProcessGone(pids.child)).toBe(true);
  });

  it('rejects at once, without starting anything, when already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('too late');
    controller.abort(reason);
    await expect(runtime.run(invocation(agentRunning('report.mjs'), 'x'), controller.signal)).rejects.toBe(reason);
  });

  it('records the git diff of the workspace as evidence', async () => {
    const repo = join(root, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=Test', ...args], { cwd: repo, stdio: 'ignore' });
    };
    git('init', '-q');
    writeFileSync(join(repo, 'tracked.txt'), 'original\n');
    git('add', 'tracked.txt');
    git('commit', '-q', '-m', 'initial');
    const outcome = await runtime.run(invocation(agentRunning('edit.mjs'), 'edit', [], repo), new AbortController().signal);
    expect(outcome.output).toBe('edited');
    expect(outcome.evidence?.diff).toContain('-original');
    expect(outcome.evidence?.diff).toContain('+changed by the agent');
  });

  it('rejects invalid options', () => {
    expect(() => createCommandRuntime({ maxOutputBytes: 0 })).toThrow(/maxOutputBytes/);
  });
});

const hasProc = existsSync('/proc/self/stat');

describe('command runtime: agent limits', () => {
  const runtime = createCommandRuntime({ limitSampleIntervalMs: 50 });
  const limited = (limits: NonNullable<AgentDefinition['limits']>, script: string, ...args: string[]): AgentDefinition => ({ ...agentRunning(script, ...args), limits });

  it.skipIf(!hasProc)('kills an agent whose memory passes limits.memoryMb and names the limit', async () => {
    const failure = await failureOf(runtime.run(invocation(limited({ memoryMb: 64, wallTimeMs: 10_000 }, 'hog.mjs'), 'x'), new AbortController().signal));
    expect(failure.code).toBe('AGENT_LIMIT_EXCEEDED');
    expect(failure.message).toMatch(/^agent "probe" exceeded its memory limit of 64 MB \(used \d+ MB\); its processes were killed$/);
    expect(failure.retryable).toBe(false);
    expect(failure.details).toMatchObject({ agentName: 'probe', limit: 'memory', value: 64, unit: 'MB' });
    expect(failure.details?.['used']).toBeGreaterThan(64);
  });

  it.skipIf(!hasProc)('counts the memory of every process in the agent\'s group, not only the program', async () => {
    const failure = await failureOf(runtime.run(invocation(limited({ memoryMb: 96, wallTimeMs: 10_000 }, 'hog-family.mjs'), 'x'), new AbortController().signal));
    expect(failure.details).toMatchObject({ limit: 'memory', value: 96 });
  });

  it.skipIf(!hasProc)('kills an agent whose CPU time passes limits.cpuSeconds', async () => {
    const startedAt = Date.now();
    const failure = await failureOf(runtime.run(invocation(limited({ cpuSeconds: 1 }, 'spin.mjs'), 'x'), new AbortController().signal));
    expect(failure.code).toBe('AGENT_LIMIT_EXCEEDED');
    expect(failure.message).toMatch(/^agent "probe" exceeded its CPU time limit of 1 s \(used \d+\.\d s\); its processes were killed$/);
    expect(failure.details).toMatchObject({ limit: 'cpu', value: 1, unit: 's' });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it('kills an agent that runs past limits.wallTimeMs', async () => {
    const startedAt = Date.now();
    const failure = await failureOf(runtime.run(invocation(limited({ wallTimeMs: 300 }, 'sleep.mjs', '20000'), 'x'), new AbortController().signal));
    expect(failure.code).toBe('AGENT_LIMIT_EXCEEDED');
    expect(failure.message).toMatch(/^agent "probe" exceeded its wall time limit of 300 ms \(used \d+ ms\); its processes were killed$/);
    expect(failure.details).toMatchObject({ limit: 'wallTime', value: 300, unit: 'ms' });
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  it('limits.outputBytes replaces the runtime default', async () => {
    const failure = await failureOf(runtime.run(invocation(limited({ outputBytes: 50_000 }, 'flood.mjs'), 'x'), new AbortController().signal));
    expect(failure.code).toBe('AGENT_LIMIT_EXCEEDED');
    expect(failure.details).toMatchObject({ limit: 'output', value: 50_000, unit: 'bytes' });
  });

  it('kills the whole process group when a limit is hit', async () => {
    const pidFile = join(root, 'limited-family-pids.json');
    const running = runtime.run(invocation(limited({ wallTimeMs: 1000 }, 'family.mjs', pidFile, 'stay'), 'x'), new AbortController().signal);
    const failure = await failureOf(running);
    expect(failure.details).toMatchObject({ limit: 'wallTime' });
    const pids = readPids(pidFile)!;
    await waitFor(() => (isProcessGone(pids.child) && isProcessGone(pids.grandchild!) ? true : undefined));
  });

  it('an agent within its limits runs as usual', async () => {
    const agent = limited({ memoryMb: 1024, cpuSeconds: 30, wallTimeMs: 20_000, outputBytes: 1_000_000 }, 'sleep.mjs', '300');
    const outcome = await runtime.run(invocation(agent, 'x'), new AbortController().signal);
    expect(outcome.output).toBe('woke up');
  });
});
