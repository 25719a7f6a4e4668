import { describe, expect, it } from 'vitest';
import { describeTaskWork, filesInDiff } from './describe-task-work.js';

const diff = [
  'diff --git a/src/app.js b/src/app.js',
  'index 1..2 100644',
  '--- a/src/app.js',
  '+++ b/src/app.js',
  '@@ -1 +1 @@',
  '-old',
  '+new',
  'diff --git a/notes.md b/notes.md',
  'new file mode 100644',
  'diff --git a/old-name.txt b/new-name.txt',
  'similarity index 100%',
].join('\n');

describe('what runs show says a task did (issue 12)', () => {
  it('names the files of the diff, a rename by its new name', () => {
    expect(filesInDiff(diff)).toEqual(['src/app.js', 'notes.md', 'new-name.txt']);
    expect(filesInDiff('')).toEqual([]);
  });

  it('lists files changed, commands with exit codes and refused tool calls, without terminal codes', () => {
    expect(
      describeTaskWork({
        diff,
        commands: [{ command: 'npm test', exitCode: 0 }, { command: 'sleep 300', exitCode: null }],
        refusals: [{ tool: 'Write', detail: 'notes\u001b[31m.md' }],
        permissions: 'read',
      }),
    ).toEqual([
      'files changed: src/app.js, notes.md, new-name.txt',
      'commands: npm test → 0, sleep 300',
      'refused under --permissions read: Write notes.md',
    ]);
  });

  it('falls back on the files the agent reported, counts past ten, and says nothing for a task without such evidence', () => {
    const reportedChanges = Array.from({ length: 12 }, (_, index) => ({ path: `f${index}.ts`, kind: 'add' }));
    expect(describeTaskWork({ reportedChanges })).toEqual([
      `files changed: ${reportedChanges.slice(0, 10).map((change) => `${change.path} (add)`).join(', ')}, and 2 more`,
    ]);
    expect(describeTaskWork({ exitCode: 0, stderr: '' })).toEqual([]);
    expect(describeTaskWork(undefined)).toEqual([]);
  });

  it('lists tool calls per tool, most used first with failures, and falls back on the files Write and Edit calls wrote (issue 7)', () => {
    const tools = {
      toolCalls: 18,
      failedToolCalls: 1,
      toolUsage: [
        { tool: 'Grep', calls: 3, failedCalls: 0 },
        { tool: 'Read', calls: 12, failedCalls: 0 },
        { tool: 'Bash', calls: 2, failedCalls: 1 },
        { tool: 'Edit', calls: 1, failedCalls: 0 },
      ],
      filesWritten: ['src/app.ts'],
    };
    expect(describeTaskWork(undefined, tools)).toEqual(['tool calls: Read ×12, Grep ×3, Bash ×2 (1 failed), Edit ×1', 'files changed: src/app.ts']);
    expect(describeTaskWork({ diff }, tools)[1]).toBe('files changed: src/app.js, notes.md, new-name.txt');
    expect(describeTaskWork({ exitCode: 0 }, { toolCalls: 0, failedToolCalls: 0, toolUsage: [], filesWritten: [] })).toEqual([]);
  });
});
