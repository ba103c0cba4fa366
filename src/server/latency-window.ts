import type { LatencySnapshot } from '../engine/planner.js';

const SIZE = 256;
// Percentiles are recomputed after this many new samples, not on every read: the planner reads them on
// every request, and a sort of 256 numbers per route per request would cost more than the decision.
const RECOMPUTE_EVERY = 16;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/** Rolling latency of one route and model: the last 256 total times and times to first token. */
export class LatencyWindow {
  private readonly total = new Float64Array(SIZE);
  private readonly ttft = new Float64Array(SIZE);
  private count = 0;
  private next = 0;
  private sinceSnapshot = 0;
  private cached: LatencySnapshot | undefined;

  add(totalMs: number, ttftMs: number): void {
    this.total[this.next] = totalMs;
    this.ttft[this.next] = ttftMs;
    this.next = (this.next + 1) % SIZE;
    this.count = Math.min(this.count + 1, SIZE);
    this.sinceSnapshot++;
  }

  snapshot(): LatencySnapshot | undefined {
    if (this.count === 0) return undefined;
    if (this.cached && this.sinceSnapshot < RECOMPUTE_EVERY) return this.cached;
    const total = this.total.slice(0, this.count).sort();
    const ttft = this.ttft.slice(0, this.count).sort();
    this.sinceSnapshot = 0;
    this.cached = {
      samples: this.count,
      p50Ms: percentile(total, 0.5),
      p95Ms: percentile(total, 0.95),
      ttftP50Ms: percentile(ttft, 0.5),
      ttftP95Ms: percentile(ttft, 0.95),
    };
    return this.cached;
  }
}
