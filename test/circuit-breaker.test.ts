import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/gateway/state/circuit-breaker.js';
import { MemoryRouteHealth } from '../src/gateway/state/memory-route-health.js';

// Every transition of one route's circuit, on a clock the test sets: closed → open (by a run of failures,
// or by the error rate), open → half-open after the cool-down, the probe closing or reopening it.
const OPTIONS = { consecutiveFailures: 5, errorRate: 0.5, window: 10, minAttempts: 6, cooldownMs: 1000 };

/** A circuit tripped by its error rate alone: never more than one failure in a row. */
function trippedByRate(at: number): CircuitBreaker {
  const c = new CircuitBreaker(OPTIONS);
  for (const ok of [false, true, false, true, false, true, false])
    if (ok) c.recordSuccess();
    else c.recordFailure(at);
  return c;
}

describe('circuit breaker transitions', () => {
  it('says which failure opened it, and opens on word from another instance for a whole cool-down', () => {
    const c = new CircuitBreaker(OPTIONS);
    expect([1, 2, 3, 4, 5].map(() => c.recordFailure(0))).toEqual([false, false, false, false, true]);
    const told = new CircuitBreaker(OPTIONS);
    for (let i = 0; i < 4; i++) told.recordFailure(0);
    told.openAt(100);
    expect(told.state(1099)).toBe('open');
    expect(told.tryAcquire(1100)).toBe(true);
    expect(told.state(1100)).toBe('open');
    // The failures seen before were forgotten: one more after recovery does not reopen it.
    told.recordSuccess();
    expect(told.recordFailure(1200)).toBe(false);
    const health = new MemoryRouteHealth({ now: () => 50 }, OPTIONS);
    health.openedElsewhere('direct');
    expect(health.circuitState('direct')).toBe('open');
  });

  it('stays closed below both thresholds', () => {
    const c = new CircuitBreaker(OPTIONS);
    for (let i = 0; i < 4; i++) c.recordFailure(0);
    expect(c.state(0)).toBe('closed');
    expect(c.tryAcquire(0)).toBe(true);
  });

  it('closed → open on the fifth failure in a row', () => {
    const c = new CircuitBreaker(OPTIONS);
    for (let i = 0; i < 5; i++) c.recordFailure(0);
    expect(c.state(999)).toBe('open');
  });

  it('closed → open on an error rate above 50 % once 6 attempts were seen, with no run of failures', () => {
    expect(trippedByRate(0).state(0)).toBe('open');
    const fewer = new CircuitBreaker(OPTIONS);
    for (const ok of [false, true, false, true, false])
      if (ok) fewer.recordSuccess();
      else fewer.recordFailure(0);
    expect(fewer.state(0)).toBe('closed');
  });

  it('open → half-open exactly at the end of the cool-down, one probe at a time', () => {
    const c = trippedByRate(100);
    expect(c.state(1099)).toBe('open');
    expect(c.tryAcquire(1099)).toBe(false);
    expect(c.state(1100)).toBe('half-open');
    expect(c.tryAcquire(1100)).toBe(true);
    // While the probe is out, the planner sees it open and nobody else gets through.
    expect(c.state(1100)).toBe('open');
    expect(c.tryAcquire(1100)).toBe(false);
  });

  it('half-open → open again when the probe fails, even after a rate trip with one failure in a row', () => {
    const c = trippedByRate(0);
    expect(c.tryAcquire(1000)).toBe(true);
    c.recordFailure(1000);
    // A full new cool-down from the failed probe, not an immediate second probe.
    expect(c.state(1000)).toBe('open');
    expect(c.tryAcquire(1500)).toBe(false);
    expect(c.state(2000)).toBe('half-open');
  });

  it('half-open → closed when the probe succeeds, with the counters reset', () => {
    const c = new CircuitBreaker(OPTIONS);
    for (let i = 0; i < 5; i++) c.recordFailure(0);
    expect(c.tryAcquire(1000)).toBe(true);
    c.recordSuccess();
    expect(c.state(1000)).toBe('closed');
    // Four more failures: a fresh count, below the threshold again.
    for (let i = 0; i < 4; i++) c.recordFailure(1000);
    expect(c.state(1000)).toBe('closed');
    c.recordFailure(1000);
    expect(c.state(1000)).toBe('open');
  });

  it('a probe released by a caller hanging up lets the next probe through', () => {
    const c = trippedByRate(0);
    expect(c.tryAcquire(1000)).toBe(true);
    c.release();
    expect(c.state(1000)).toBe('half-open');
    expect(c.tryAcquire(1000)).toBe(true);
  });

  it('the error window forgets outcomes older than its size', () => {
    const c = new CircuitBreaker(OPTIONS);
    for (let i = 0; i < 4; i++) c.recordFailure(0);
    for (let i = 0; i < 10; i++) c.recordSuccess();
    // 4 old failures are out of the window of 10: 4 new alternating ones stay under the rate.
    for (const ok of [false, true, false, true, false, true, false, true])
      if (ok) c.recordSuccess();
      else c.recordFailure(0);
    expect(c.state(0)).toBe('closed');
  });
});

describe('route health store', () => {
  it('reports circuit state on the injected clock', () => {
    let now = 0;
    const health = new MemoryRouteHealth({ now: () => now }, OPTIONS);
    expect(health.circuitState('a')).toBe('closed');
    for (let i = 0; i < 5; i++) health.failed('a');
    expect(health.circuitState('a')).toBe('open');
    expect(health.tryAcquire('a')).toBe(false);
    now = 1000;
    expect(health.circuitState('a')).toBe('half-open');
    expect(health.tryAcquire('a')).toBe(true);
    health.released('a');
    expect(health.tryAcquire('a')).toBe(true);
    health.succeeded('a', 'gpt-5', 10, 5);
    expect(health.get('a')).toMatchObject({ circuit: 'closed' });
  });
});
