import type { LatencySnapshot } from '../../engine/planner.js';

const SIZE = 256;
// Percentiles are recomputed after this many new samples, not on every read: the planner reads them on
// every request, and a sort of 256 numbers per route per request would cost more than the decision.
// (The first sample computes them at once, so a route has numbers from its first answer.)
const RECOMPUTE_EVERY = 16;

/** The `p` quantile (0–1) of ascending values, nearest rank; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number);
}

/**
 * Rolling latency of one route and model: the last 256 total times and times to first token. Its
 * percentiles are recomputed as samples arrive (every 16), so reading them costs nothing.
 */
export class LatencyWindow {
  private readonly total = new Float64Array(SIZE);
  private readonly ttft = new Float64Array(SIZE);
  private count = 0;
  private next = 0;
  private sinceSnapshot = 0;
  /** The latest percentiles; undefined before the first sample. */
  current: LatencySnapshot | undefined;

  /** Adds a sample; returns true when `current` changed. */
  add(totalMs: number, ttftMs: number): boolean {
    this.total[this.next] = totalMs;
    this.ttft[this.next] = ttftMs;
    this.next = (this.next + 1) % SIZE;
    this.count = Math.min(this.count + 1, SIZE);
    if (this.current && ++this.sinceSnapshot < RECOMPUTE_EVERY) return false;
    const total = this.total.slice(0, this.count).sort();
    const ttft = this.ttft.slice(0, this.count).sort();
    this.sinceSnapshot = 0;
    this.current = {
      samples: this.count,
      p50Ms: percentile(total, 0.5),
      p95Ms: percentile(total, 0.95),
      ttftP50Ms: percentile(ttft, 0.5),
      ttftP95Ms: percentile(ttft, 0.95),
    };
    return true;
  }
}
