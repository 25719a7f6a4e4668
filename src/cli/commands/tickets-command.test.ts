import { describe, expect, it } from 'vitest';
import { splitList, toTicketInput } from './tickets-command.js';
import { describeConflicts } from './ticket-events.js';

describe('tickets add flags', () => {
  it('splits comma lists, keeping commas inside a glob\'s braces', () => {
    expect(splitList('src/a/**, b.ts,,src/{x,y}/*.ts')).toEqual(['src/a/**', 'b.ts', 'src/{x,y}/*.ts']);
  });

  it('builds the store input, splitting --verify into argv without a shell', () => {
    expect(toTicketInput(' Add login ', { priority: '8', depends: 'T-1', files: 'src/**', labels: 'a,b', verify: "npm test -- --grep 'log in'" }, () => true)).toEqual({
      title: 'Add login',
      priority: 8,
      dependencies: ['T-1'],
      files: ['src/**'],
      labels: ['a', 'b'],
      verify: ['npm', 'test', '--', '--grep', 'log in'],
    });
  });

  it('names the flag of a bad value', () => {
    const known = (id: string) => id === 'T-1';
    expect(() => toTicketInput('x', { priority: '0' }, known)).toThrow(/^--priority: must be 1-10, got "0"$/);
    expect(() => toTicketInput('x', { depends: 'T-1,T-2' }, known)).toThrow(/^--depends: unknown ticket "T-2"/);
    expect(() => toTicketInput('x', { files: '/etc/**' }, known)).toThrow(/^--files: "\/etc\/\*\*" must be relative/);
    expect(() => toTicketInput('x', { verify: 'make | tee log' }, known)).toThrow(/^--verify: "\|" is shell syntax/);
    expect(() => toTicketInput('  ', {}, known)).toThrow(/^<title>: must not be empty$/);
  });
});

describe('describeConflicts', () => {
  it('says clean, or names each conflicting branch and its files', () => {
    expect(describeConflicts([{ against: 'main', clean: true, files: [] }])).toBe('clean');
    expect(
      describeConflicts([
        { against: 'main', clean: false, files: ['a.ts', 'b.ts'] },
        { against: 'ensemble/T-2', clean: true, files: [] },
        { against: 'ensemble/T-4', clean: false, files: ['c.ts'] },
      ]),
    ).toBe('conflicts with main: a.ts, b.ts; with ensemble/T-4: c.ts');
  });
});
