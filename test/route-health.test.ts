import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/gateway/state/circuit-breaker.js';
import { MemoryRouteHealth } from '../src/gateway/state/memory-route-health.js';

const OPTIONS = { consecutiveFailures: 3, errorRate: 0.5, window: 10, minAttempts: 6, cooldownMs: 1000 };

describe('circuit breaker', () => {
  it('opens after consecutive failures, lets one probe through after the cool-down, closes on its success', () => {
    const c = new CircuitBreaker(OPTIONS);
    for (let i = 0; i < 3; i++) c.recordFailure(100);
    expect(c.state(500)).toBe('open');
    expect(c.tryAcquire(500)).toBe(false);
    // 1. After the cool-down: half-open, exactly one probe.
    expect(c.state(1100)).toBe('half-open');
    expect(c.tryAcquire(1100)).toBe(true);
    expect(c.state(1100)).toBe('open');
    expect(c.tryAcquire(1100)).toBe(false);
    // 2. The probe succeeds: closed.
    c.recordSuccess();
    expect(c.state(1100)).toBe('closed');
  });

  it('a failed probe opens it again for another cool-down', () => {
    const c = new CircuitBreaker(OPTIONS);
    for (let i = 0; i < 3; i++) c.recordFailure(0);
    expect(c.tryAcquire(1000)).toBe(true);
    c.recordFailure(1000);
    expect(c.state(1500)).toBe('open');
    expect(c.state(2000)).toBe('half-open');
  });

  it('opens on an error rate without a run of consecutive failures', () => {
    const c = new CircuitBreaker(OPTIONS);
    for (const ok of [false, true, false, false, true, false, false]) (ok ? c.recordSuccess() : c.recordFailure(0));
    expect(c.state(10)).toBe('open');
  });

  it('a probe released by a caller hanging up does not hold the circuit', () => {
    const c = new CircuitBreaker(OPTIONS);
    for (let i = 0; i < 3; i++) c.recordFailure(0);
    expect(c.tryAcquire(1000)).toBe(true);
    c.release();
    expect(c.tryAcquire(1000)).toBe(true);
  });
});

describe('route health board', () => {
  it('gives the planner percentiles from the first sample and keeps them current', () => {
    let now = 0;
    const board = new MemoryRouteHealth({ now: () => now }, OPTIONS);
    expect(board.get('a')).toBeUndefined();
    board.succeeded('a', 'gpt-5', 100, 40);
    expect(board.get('a')?.latency?.get('gpt-5')).toMatchObject({ samples: 1, p50Ms: 100, ttftP95Ms: 40 });
    for (let i = 0; i < 40; i++) board.succeeded('a', 'gpt-5', 1000, 500);
    expect(board.get('a')?.latency?.get('gpt-5')?.p95Ms).toBe(1000);
    for (let i = 0; i < 3; i++) board.failed('a');
    now = 10;
    expect(board.get('a')?.circuit).toBe('open');
  });
});
