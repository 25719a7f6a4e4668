import { describe, expect, it } from 'vitest';
import { AttemptModels } from './attempt-models.js';
import { UNKNOWN_MODEL_LABELS } from './to-model-labels.js';

const sonnet = { provider: 'anthropic', model: 'claude-sonnet-4-5' };
const gpt = { provider: 'openai', model: 'gpt-4.1' };

describe('AttemptModels', () => {
  it('hands each attempt its own model once, then forgets it', () => {
    const models = new AttemptModels(10);
    models.remember('run-1', 'a', 1, sonnet);
    models.remember('run-1', 'a', 2, gpt);
    expect(models.take('run-1', 'a', 2)).toEqual(gpt);
    expect(models.take('run-1', 'a', 1)).toEqual(sonnet);
    expect(models.take('run-1', 'a', 1)).toBe(UNKNOWN_MODEL_LABELS);
    expect(models.count).toBe(0);
  });

  it('forgets a run that ended, whatever attempts of it never reported spend', () => {
    const models = new AttemptModels(10);
    models.remember('run-1', 'a', 1, sonnet);
    models.remember('run-2', 'b', 1, gpt);
    models.forgetRun('run-1');
    expect(models.count).toBe(1);
    expect(models.take('run-1', 'a', 1)).toBe(UNKNOWN_MODEL_LABELS);
    expect(models.take('run-2', 'b', 1)).toEqual(gpt);
  });

  it('drops the oldest run past its limit, so runs that never end cannot grow it', () => {
    const models = new AttemptModels(3);
    for (let index = 0; index < 1_000; index++) models.remember(`run-${index}`, 'task', 1, sonnet);
    expect(models.count).toBeLessThanOrEqual(3);
    expect(models.take('run-999', 'task', 1)).toEqual(sonnet);
    expect(models.take('run-0', 'task', 1)).toBe(UNKNOWN_MODEL_LABELS);
  });
});
