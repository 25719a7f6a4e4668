import { describe, expect, it } from 'vitest';
import { featureTemplate } from './feature.js';

describe('feature on the workspace (issue 7)', () => {
  const tasks = featureTemplate.buildTasks({ feature: 'Export invoices as CSV', language: 'Go' });
  const promptOf = (id: string): string => tasks.find((task) => task.id === id)?.prompt ?? '';

  it('has the analyst read the code, the developer edit it and list what it changed', () => {
    expect(promptOf('analyze')).toContain('(Glob, Grep) and reading them (Read)');
    expect(promptOf('implement')).toContain('change it with Edit, and create new files with Write');
    expect(promptOf('implement')).toContain('list every file you created or changed');
  });

  it('has the tester find the test command and run it with Bash, and not invent results without it', () => {
    const prompt = promptOf('test');
    expect(prompt).toContain('package.json');
    expect(prompt).toContain('Makefile');
    expect(prompt).toContain('pyproject.toml');
    expect(prompt).toContain('Run the test command with Bash');
    expect(prompt).toContain('never report results you did not see');
  });

  it('has the reviewer read the diff, or the changed files without Bash', () => {
    const prompt = promptOf('review');
    expect(prompt).toContain('`git diff`');
    expect(prompt).toContain('`git status --short`');
    expect(prompt).toContain('without it, Read every file');
    expect(prompt).toContain('`path:line`');
  });
});
