import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultStorePath } from './default-store-path.js';

describe('defaultStorePath', () => {
  it('puts the journal in $ENSEMBLE_HOME', () => {
    expect(defaultStorePath({ ENSEMBLE_HOME: '/data/ensemble' }, '/work')).toBe(join('/data/ensemble', 'ensemble.db'));
  });

  it('takes a relative ENSEMBLE_HOME from the working directory', () => {
    expect(defaultStorePath({ ENSEMBLE_HOME: 'state' }, '/work/project')).toBe(join('/work/project/state', 'ensemble.db'));
  });

  it('defaults to ./.ensemble, also when ENSEMBLE_HOME is empty', () => {
    expect(defaultStorePath({}, '/work/project')).toBe(join('/work/project/.ensemble', 'ensemble.db'));
    expect(defaultStorePath({ ENSEMBLE_HOME: '' }, '/work/project')).toBe(join('/work/project/.ensemble', 'ensemble.db'));
  });

  it('reads the process environment and working directory by default', () => {
    const expected = resolve(process.cwd(), process.env.ENSEMBLE_HOME || '.ensemble', 'ensemble.db');
    expect(defaultStorePath()).toBe(expected);
  });
});
