import { describe, expect, it } from 'vitest';
import { parseRoute, toRouteHash } from './route.js';

describe('parseRoute', () => {
  it('reads the four views from the hash and falls back to the run list', () => {
    expect(parseRoute('#/runs')).toEqual({ view: 'runs' });
    expect(parseRoute('#/new')).toEqual({ view: 'new' });
    expect(parseRoute(toRouteHash({ view: 'escalations' }))).toEqual({ view: 'escalations' });
    expect(parseRoute('#/runs/run-abc')).toEqual({ view: 'run', runId: 'run-abc' });
    expect(parseRoute('')).toEqual({ view: 'runs' });
    expect(parseRoute('#/elsewhere')).toEqual({ view: 'runs' });
  });

  it('round-trips a run id that needs escaping', () => {
    const route = { view: 'run', runId: 'run:with/odd chars' } as const;
    expect(parseRoute(toRouteHash(route))).toEqual(route);
  });
});
