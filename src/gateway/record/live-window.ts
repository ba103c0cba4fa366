interface Second {
  at: number;
  requests: number;
  codes: Map<string, number>;
  kinds: Map<string, number>;
  levels: Map<string, number>;
  latency: Map<string, number[]>;
}

/** The last minute, second by second. */
const SECONDS = 60;
/** Latencies kept per route per second: enough for a p95, bounded whatever the load. */
const SAMPLES_PER_SECOND = 256;

const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

/** What the overview shows of the last minute. */
export interface LiveSnapshot {
  /** Requests in each of the last 60 whole seconds, oldest first. */
  readonly perSecond: readonly number[];
  readonly errors: Readonly<Record<string, number>>;
  readonly byKind: Readonly<Record<string, number>>;
  readonly byLevel: Readonly<Record<string, number>>;
  readonly latency: Readonly<Record<string, { p50: number | null; p95: number | null; n: number }>>;
}

/**
 * The last minute of traffic in memory, a bucket a second, for the dashboard's live overview: requests,
 * errors and denials by code, shares by route kind and level, latency per route. Counting a request is a few
 * map increments on the request path; nothing is computed until a dashboard asks.
 */
export class LiveWindow {
  private readonly ring: Second[] = Array.from({ length: SECONDS }, () => ({
    at: -1,
    requests: 0,
    codes: new Map(),
    kinds: new Map(),
    levels: new Map(),
    latency: new Map(),
  }));

  /** Counts one finished request (its fields as arguments: no object made per request). */
  observe(
    route: string,
    kind: string,
    sensitivity: string,
    code: string | undefined,
    latencyMs: number,
    nowMs: number,
  ): void {
    const b = this.bucket(Math.floor(nowMs / 1000));
    b.requests++;
    if (code !== undefined) add(b.codes, code);
    add(b.kinds, kind);
    if (sensitivity !== '') add(b.levels, sensitivity);
    let samples = b.latency.get(route);
    if (!samples) b.latency.set(route, (samples = []));
    if (samples.length < SAMPLES_PER_SECOND) samples.push(latencyMs);
  }

  snapshot(nowMs: number): LiveSnapshot {
    const now = Math.floor(nowMs / 1000);
    const perSecond: number[] = [];
    const errors = new Map<string, number>();
    const kinds = new Map<string, number>();
    const levels = new Map<string, number>();
    const latency = new Map<string, number[]>();
    for (let second = now - SECONDS; second < now; second++) {
      const b = this.ring[second % SECONDS] as Second;
      const live = b.at === second;
      perSecond.push(live ? b.requests : 0);
      if (!live) continue;
      for (const [k, n] of b.codes) errors.set(k, (errors.get(k) ?? 0) + n);
      for (const [k, n] of b.kinds) kinds.set(k, (kinds.get(k) ?? 0) + n);
      for (const [k, n] of b.levels) levels.set(k, (levels.get(k) ?? 0) + n);
      for (const [route, xs] of b.latency) latency.set(route, [...(latency.get(route) ?? []), ...xs]);
    }
    return {
      perSecond,
      errors: Object.fromEntries(errors),
      byKind: Object.fromEntries(kinds),
      byLevel: Object.fromEntries(levels),
      latency: Object.fromEntries(
        [...latency].map(([route, xs]) => {
          const sorted = xs.sort((a, b) => a - b);
          return [route, { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), n: sorted.length }];
        }),
      ),
    };
  }

  private bucket(second: number): Second {
    const b = this.ring[second % SECONDS] as Second;
    if (b.at !== second) {
      b.at = second;
      b.requests = 0;
      b.codes.clear();
      b.kinds.clear();
      b.levels.clear();
      b.latency.clear();
    }
    return b;
  }
}
