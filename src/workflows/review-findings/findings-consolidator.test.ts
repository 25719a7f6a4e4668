import { describe, expect, it } from 'vitest';
import { isEnsembleError, taskSpecSchema } from '../../core/index.js';
import type { TaskSpec } from '../../core/index.js';
import { findingsConsolidator } from './findings-consolidator.js';
import type { ReviewReport } from './consolidate-findings.js';

function consolidateTask(context?: Record<string, unknown>): TaskSpec {
  return taskSpecSchema.parse({ id: 'consolidate', agentName: 'findings-consolidator', dependencies: ['security', 'tests'], ...(context === undefined ? {} : { context }) });
}

const inputs = [
  { taskId: 'security', agentName: 'security-auditor', output: '```json\n{"findings": [{"severity": "critical", "title": "Shell injection in run()", "file": "src/run.ts", "line": 8, "detail": "d"}]}\n```' },
  { taskId: 'tests', agentName: 'test-automator', output: '## Warnings\n\n- src/run.ts:9 — shell injection in run() is untested' },
];

describe('findingsConsolidator (issue 8)', () => {
  it('reads every dependency output and answers with the Markdown report by default', () => {
    const output = findingsConsolidator.run(consolidateTask(), { inputs });
    expect(output).toContain('**Verdict: Changes requested**');
    expect(output).toContain('1. **Shell injection in run()** — `src/run.ts:8-9` (security, tests)');
  });

  it('answers in JSON when its task context asks, and names a bad format', () => {
    const report = JSON.parse(findingsConsolidator.run(consolidateTask({ format: 'json' }), { inputs })) as ReviewReport;
    expect(report.findings.map((finding) => [finding.severity, finding.reviewers])).toEqual([['critical', ['security', 'tests']]]);
    const error = (() => {
      try {
        findingsConsolidator.run(consolidateTask({ format: 'yaml' }), { inputs });
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(isEnsembleError(error) && [error.code, error.message, error.retryable]).toEqual(['INVALID_INPUT', 'task "consolidate": context.format: expected markdown or json', false]);
  });

  it('fails a task with nothing to consolidate', () => {
    expect(() => findingsConsolidator.run(consolidateTask(), { inputs: [] })).toThrow('task "consolidate": findings-consolidator consolidates the outputs of the tasks it depends on, and it depends on none');
  });
});
