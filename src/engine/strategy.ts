import type { Candidate } from './decision.js';

export type Strategy = 'cost' | 'latency' | 'least_busy' | 'weighted';

/** A candidate with what the ranking and the strategies order it by. */
export interface Ranked {
  readonly c: Candidate;
  /** How many `prefer` rules it matches. */
  readonly preferred: number;
  readonly p50: number;
  /** Position in the config: the last tie-breaker. */
  readonly order: number;
  readonly weight: number;
  /** Requests in flight on the route now (as the gateway counts them). */
  readonly inFlight: number;
}

/** Preferred first, then expected marginal cost, then latency, then the config's order. */
export const byRank = (a: Ranked, b: Ranked) =>
  b.preferred - a.preferred || a.c.expectedCostPico - b.c.expectedCostPico || a.p50 - b.p50 || a.order - b.order;

/**
 * Reorders each run of routes the ranking sees as equals — the same preference and an expected cost within
 * `tiePercent` of the run's cheapest — by the strategy: `cost` keeps the ranking, `latency` puts the lowest
 * p95 first, `least_busy` the fewest requests in flight, `weighted` draws the order by weight. The draw comes
 * from `seed` alone, so a decision is the same for the same inputs (the gateway passes a random seed per
 * request; a scenario a seed per replayed request).
 */
export function orderTies(
  sorted: readonly Ranked[],
  strategy: Strategy,
  tiePercent: number,
  seed: number,
): readonly Ranked[] {
  // The default keeps the ranking: nothing to copy or draw on the planner's hot path.
  if (strategy === 'cost' || sorted.length < 2) return sorted;
  const out: Ranked[] = [];
  const random = mulberry32(seed);
  for (let start = 0; start < sorted.length;) {
    const first = sorted[start] as Ranked;
    let end = start + 1;
    while (end < sorted.length && tied(first, sorted[end] as Ranked, tiePercent)) end++;
    const run = sorted.slice(start, end);
    out.push(...(run.length === 1 ? run : reorder(run, strategy, random)));
    start = end;
  }
  return out;
}

function tied(first: Ranked, other: Ranked, tiePercent: number): boolean {
  return (
    other.preferred === first.preferred &&
    other.c.expectedCostPico * 100 <= first.c.expectedCostPico * (100 + tiePercent)
  );
}

function reorder(run: Ranked[], strategy: Exclude<Strategy, 'cost'>, random: () => number): Ranked[] {
  switch (strategy) {
    case 'latency':
      return run.sort(
        (a, b) =>
          (a.c.latencyMs ?? Number.POSITIVE_INFINITY) - (b.c.latencyMs ?? Number.POSITIVE_INFINITY) ||
          a.order - b.order,
      );
    case 'least_busy':
      return run.sort((a, b) => a.inFlight - b.inFlight || a.order - b.order);
    case 'weighted': {
      // A weighted draw without replacement: the first by weight, then the next among the rest, and so on.
      const left = [...run];
      const drawn: Ranked[] = [];
      while (left.length > 0) {
        let pick = random() * left.reduce((sum, r) => sum + r.weight, 0);
        let i = 0;
        while (i < left.length - 1 && pick >= (left[i] as Ranked).weight) pick -= (left[i++] as Ranked).weight;
        drawn.push(...left.splice(i, 1));
      }
      return drawn;
    }
  }
}

/** A small, fast PRNG (mulberry32): the same seed, the same draws. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
