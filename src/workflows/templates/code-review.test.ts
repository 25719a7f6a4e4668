import { describe, expect, it } from 'vitest';
import { codeReviewTemplate } from './code-review.js';
import { describeReviewTarget, parseReviewTarget } from './describe-review-target.js';

describe('code-review target (issue 7)', () => {
  it('reads a git range, a commit, a relative revision, and everything else as a workspace path', () => {
    expect(parseReviewTarget('main..HEAD')).toEqual({ kind: 'range', range: 'main..HEAD' });
    expect(parseReviewTarget('origin/main...feature/x')).toEqual({ kind: 'range', range: 'origin/main...feature/x' });
    expect(parseReviewTarget('3f2a9c1')).toEqual({ kind: 'commit', commit: '3f2a9c1' });
    expect(parseReviewTarget('HEAD~3')).toEqual({ kind: 'since', revision: 'HEAD~3' });
    expect(parseReviewTarget('HEAD^')).toEqual({ kind: 'since', revision: 'HEAD^' });
    for (const path of ['.', 'src', 'src/app.ts', '../elsewhere', 'src/..', 'HEAD', '']) expect(parseReviewTarget(path).kind, path).toBe('path');
    expect(parseReviewTarget('').kind === 'path' && parseReviewTarget('')).toEqual({ kind: 'path', path: '.' });
  });

  it('never offers shell syntax as a revision: a target with quotes, spaces, $ or ; is a path', () => {
    for (const hostile of ['main..HEAD; rm -rf ~', '$(touch pwned)..HEAD', "main..'HEAD'", 'HEAD~1|sh', '-p..HEAD']) {
      expect(parseReviewTarget(hostile).kind, hostile).toBe('path');
    }
  });

  it('tells reviewers of a range which git commands show the change, and what to do without Bash', () => {
    const range = describeReviewTarget(parseReviewTarget('main..HEAD'), []);
    expect(range).toContain('`git diff --stat main..HEAD`');
    expect(range).toContain('`git diff main..HEAD`');
    expect(range).toContain('Without Bash, you cannot see the change: say so in your first line');
    const listed = describeReviewTarget(parseReviewTarget('HEAD~2'), ['src/a.ts']);
    expect(listed).toContain('The changed files: src/a.ts.');
    expect(listed).toContain('Without Bash, Read the changed files listed above in full.');
    expect(describeReviewTarget(parseReviewTarget('3f2a9c1'), [])).toContain('`git show 3f2a9c1`');
  });

  it('has every reviewer read what it reviews and cite path:line, and the summary check doubtful findings', () => {
    const tasks = codeReviewTemplate.buildTasks({ target: 'src/api', reviewDepth: 'quick' });
    for (const task of tasks) expect(task.prompt, task.id).toContain('Review target: `src/api` in the workspace');
    for (const task of tasks.filter((candidate) => candidate.id !== 'review-summary')) {
      expect(task.prompt).toContain('Read every file you review with the Read tool');
      expect(task.prompt).toContain('`path:line`');
    }
    expect(tasks.find((task) => task.id === 'review-summary')?.prompt).toContain('Read the cited lines yourself');
  });
});
