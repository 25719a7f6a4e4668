import { describe, expect, it } from 'vitest';
import { isEnsembleError } from '../../core/index.js';
import { parseCommandLine } from './parse-command-line.js';

function messageOf(line: string): string {
  try {
    parseCommandLine(line, 'verifyCommand');
  } catch (error) {
    if (isEnsembleError(error) && error.code === 'INVALID_INPUT') return error.message;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('parseCommandLine', () => {
  it('splits on blanks, keeps quoted text together, and expands nothing', () => {
    expect(parseCommandLine('  npm   test ', 'verifyCommand')).toEqual(['npm', 'test']);
    expect(parseCommandLine(`pytest -k "totals and not slow" 'tests/$HOME/*.py'`, 'verifyCommand')).toEqual(['pytest', '-k', 'totals and not slow', 'tests/$HOME/*.py']);
    expect(parseCommandLine('node -e "console.log(\\"hi\\")" a\\ b ""', 'verifyCommand')).toEqual(['node', '-e', 'console.log("hi")', 'a b', '']);
    expect(parseCommandLine('go test ./... ~', 'verifyCommand')).toEqual(['go', 'test', './...', '~']);
  });

  it('refuses shell operators unless quoted, an unclosed quote and an empty line, naming the parameter', () => {
    expect(messageOf('npm run build && npm test')).toBe(
      'verifyCommand: "&&" is shell syntax, and the command runs without a shell; put several commands in a script (an npm script, a Makefile target) and name that',
    );
    expect(messageOf('npm test > out.txt')).toMatch(/^verifyCommand: ">" is shell syntax/);
    expect(messageOf('npm test | tee log')).toMatch(/^verifyCommand: "\|" is shell syntax/);
    expect(parseCommandLine('grep "&&" file', 'verifyCommand')).toEqual(['grep', '&&', 'file']);
    expect(messageOf("echo 'open")).toBe(`verifyCommand: unclosed ' in "echo 'open"`);
    expect(messageOf('   ')).toBe('verifyCommand: names no program');
  });
});
