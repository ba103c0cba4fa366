import { describe, expect, it } from 'vitest';
import { MemoryRouteHealth } from '../src/gateway/state/memory-route-health.js';

const OPTIONS = { consecutiveFailures: 3, errorRate: 0.5, window: 10, minAttempts: 6, cooldownMs: 1000 };

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
