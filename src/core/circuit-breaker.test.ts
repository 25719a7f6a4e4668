import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';
import { ManualClock } from './manual-clock.js';

function failTimes(breaker: CircuitBreaker, count: number): void {
  for (let index = 0; index < count; index++) breaker.recordFailure();
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and a success resets the count', () => {
    const breaker = new CircuitBreaker({ clock: new ManualClock(), failureThreshold: 3 });
    failTimes(breaker, 2);
    breaker.recordSuccess();
    failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.canPass()).toBe(true);
    expect(breaker.reopensAt).toBeUndefined();
  });

  it('opens after 5 consecutive failures by default and refuses calls until the cool-down ends', () => {
    const clock = new ManualClock(1000);
    const breaker = new CircuitBreaker({ clock });
    failTimes(breaker, 4);
    expect(breaker.state).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.reopensAt).toBe(31_000);
    expect(breaker.canPass()).toBe(false);
    clock.setNow(30_999);
    expect(breaker.canPass()).toBe(false);
    clock.setNow(31_000);
    expect(breaker.state).toBe('half-open');
  });

  it('half-open lets exactly one probe through; its success closes the circuit', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ clock, failureThreshold: 2, cooldownMs: 500 });
    failTimes(breaker, 2);
    clock.setNow(500);
    expect(breaker.canPass()).toBe(true);
    expect(breaker.canPass()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.canPass()).toBe(true);
    expect(breaker.canPass()).toBe(true);
  });

  it('a failed probe opens the circuit for another full cool-down', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ clock, failureThreshold: 2, cooldownMs: 500 });
    failTimes(breaker, 2);
    clock.setNow(700);
    expect(breaker.canPass()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.reopensAt).toBe(1200);
    clock.setNow(1200);
    expect(breaker.canPass()).toBe(true);
  });

  it('failures of calls still in flight while open do not extend the cool-down', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ clock, failureThreshold: 1, cooldownMs: 500 });
    breaker.recordFailure();
    clock.setNow(400);
    breaker.recordFailure();
    expect(breaker.reopensAt).toBe(500);
  });

  it('a released probe lets the next caller probe', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ clock, failureThreshold: 1, cooldownMs: 100 });
    breaker.recordFailure();
    clock.setNow(100);
    expect(breaker.canPass()).toBe(true);
    expect(breaker.canPass()).toBe(false);
    breaker.releaseProbe();
    expect(breaker.canPass()).toBe(true);
  });
});
