import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'web/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The suite runs ~10 files at once on 2 cores: host-pressure control would hold every process agent of
    // unrelated tests to one at a time. Tests of pressure control turn it on in their run config.
    env: { ENSEMBLE_PRESSURE_CONTROL: 'off' },
  },
});
