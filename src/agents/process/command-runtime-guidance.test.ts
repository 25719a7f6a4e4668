import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContextEntry } from '../../core/index.js';
import { commandAgent, commandInvocation } from '../../../test/helpers/process-agents.js';
import { createCommandRuntime, withGuidance } from './command-runtime.js';

const guidance: ContextEntry = {
  key: 'escalation:E-1',
  relation: 'guidance',
  source: 'E-1',
  agentName: 'probe',
  text: 'You escalated: Which store?\nA person answered: Use SQLite',
  treatment: 'whole',
  tokens: 12,
};

// Prints what the process was handed: stdin, its argument and ENSEMBLE_PROMPT.
const ECHO = "let s='';process.stdin.on('data',(c)=>s+=c).on('end',()=>process.stdout.write(JSON.stringify({stdin:s,arg:process.argv[1]??'',env:process.env.ENSEMBLE_PROMPT})))";

let workspace: string;
beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'ensemble-command-guidance-'));
});
afterEach(() => rmSync(workspace, { recursive: true, force: true }));

describe('command and cli agents see a person\'s guidance', () => {
  it('appends it to the prompt under "## Guidance from a person", and leaves a prompt without guidance as it is', () => {
    expect(withGuidance('Do it', [])).toBe('Do it');
    expect(withGuidance('Do it\n', [guidance])).toBe('Do it\n\n## Guidance from a person\n\nYou escalated: Which store?\nA person answered: Use SQLite\n');
  });

  it('in stdin, ENSEMBLE_PROMPT and a {prompt} argument', async () => {
    const runtime = createCommandRuntime();
    const invocation = commandInvocation(commandAgent([process.execPath, '-e', ECHO, '{prompt}'], { runtime: 'cli', outputFormat: 'text' }), 'Do it', workspace);
    const outcome = await runtime.run({ ...invocation, request: { ...invocation.request, context: [guidance] } }, new AbortController().signal);
    const seen = JSON.parse(outcome.output) as { stdin: string; arg: string; env: string };
    expect(seen.arg).toContain('## Guidance from a person\n\nYou escalated: Which store?\nA person answered: Use SQLite');
    expect(seen.env).toBe(seen.arg);
    // A CLI given the prompt as an argument gets an empty stdin.
    expect(seen.stdin).toBe('');
    const plain = commandInvocation(commandAgent([process.execPath, '-e', ECHO]), 'Do it', workspace);
    const piped = await runtime.run({ ...plain, request: { ...plain.request, context: [guidance] } }, new AbortController().signal);
    expect((JSON.parse(piped.output) as { stdin: string }).stdin).toContain('A person answered: Use SQLite');
  });
});
