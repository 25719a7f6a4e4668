import { describe, expect, it } from 'vitest';
import { parseTaskJob, toJobId } from './task-job.js';

describe('toJobId', () => {
  it('keeps an execution id of three parts as it is', () => {
    expect(toJobId('run-1:build:2')).toBe('run-1:build:2');
  });

  it("escapes the ':' of a task id so the job id has three parts", () => {
    expect(toJobId('run-1:ticket:7:fix:3')).toBe('run-1:ticket%3A7%3Afix:3');
    expect(toJobId('run-1:ticket:7:fix:3').split(':')).toHaveLength(3);
  });
});

describe('parseTaskJob', () => {
  const valid = {
    version: 1,
    request: { runId: 'r', task: { id: 't', agentName: 'a' }, attempt: 1, executionId: 'r:t:1', inputs: [], context: [], permissions: 'edit' },
    workspace: '/work',
    run: { enableCommunication: true },
    received: [],
  };

  it("accepts a newer coordinator's extra fields", () => {
    const parsed = parseTaskJob({ ...valid, future: 1, run: { ...valid.run, later: true } });
    expect(parsed.ok).toBe(true);
  });

  it('names the offending field', () => {
    const parsed = parseTaskJob({ ...valid, request: { ...valid.request, task: { id: 't', agentName: 'a', prio: 3 } } });
    expect(parsed).toEqual({ ok: false, problem: expect.stringContaining('job.request.task') });
  });
});
