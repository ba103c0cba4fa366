/** Where the cheaper of two options changes. */
export interface Crossover {
  readonly a: string;
  readonly b: string;
  /** Tokens per day where their costs meet (within the tolerance). */
  readonly tokensPerDay: number;
  readonly cheaperBelow: string;
  readonly cheaperAbove: string;
  /** The final bracket, replayed at both ends. */
  readonly bracket: readonly [number, number];
}

/** Cost per day (USD) of each option at one volume. */
export type CostAt = ReadonlyMap<string, number>;

function root(lo: number, dLo: number, hi: number, dHi: number): number {
  // The zero of the line through both ends, kept away from the ends so that the bracket always shrinks.
  const t = Math.min(0.9, Math.max(0.1, dLo / (dLo - dHi)));
  return lo + t * (hi - lo);
}

/**
 * Every volume at which the cheaper of two options changes. Sign changes of the cost difference between
 * sweep points are found first; each is then narrowed by interpolation, replaying at intermediate volumes
 * (`evaluate`), until the bracket is within `tolerance` (1 %). Step costs give several crossovers per pair;
 * all are reported. Two crossovers between the same two sweep points cannot be seen: sweep more finely.
 */
export async function findCrossovers(
  sweep: readonly { tokensPerDay: number; costs: CostAt }[],
  evaluate: (tokensPerDay: number) => Promise<CostAt>,
  tolerance = 0.01,
  maxSteps = 40,
): Promise<Crossover[]> {
  const options = [...(sweep[0]?.costs.keys() ?? [])];
  const found: Crossover[] = [];
  for (let i = 0; i < options.length; i++) {
    for (let j = i + 1; j < options.length; j++) {
      const a = options[i] as string;
      const b = options[j] as string;
      const diff = (c: CostAt) => (c.get(a) as number) - (c.get(b) as number);
      for (let k = 0; k + 1 < sweep.length; k++) {
        let lo = (sweep[k] as { tokensPerDay: number }).tokensPerDay;
        let hi = (sweep[k + 1] as { tokensPerDay: number }).tokensPerDay;
        let dLo = diff((sweep[k] as { costs: CostAt }).costs);
        let dHi = diff((sweep[k + 1] as { costs: CostAt }).costs);
        if (dLo === 0 || Math.sign(dLo) === Math.sign(dHi)) continue;
        let lastMoved = 0;
        for (let step = 0; step < maxSteps && (hi - lo) / lo > tolerance; step++) {
          // Interpolate; but when the same end moved twice running (a curved or stepped cost), bisect.
          const mid = Math.round(lastMoved === 2 || lastMoved === -2 ? (lo + hi) / 2 : root(lo, dLo, hi, dHi));
          if (mid <= lo || mid >= hi) break;
          const dMid = diff(await evaluate(mid));
          if (dMid === 0) {
            lo = hi = mid;
            break;
          }
          if (Math.sign(dMid) === Math.sign(dLo)) {
            [lo, dLo] = [mid, dMid];
            lastMoved = lastMoved > 0 ? lastMoved + 1 : 1;
          } else {
            [hi, dHi] = [mid, dMid];
            lastMoved = lastMoved < 0 ? lastMoved - 1 : -1;
          }
          if (Math.abs(lastMoved) > 2) lastMoved = 0;
        }
        const at = lo === hi ? lo : Math.round(root(lo, dLo, hi, dHi));
        found.push({
          a,
          b,
          tokensPerDay: at,
          cheaperBelow: dLo < 0 ? a : b,
          cheaperAbove: dLo < 0 ? b : a,
          bracket: [lo, hi],
        });
      }
    }
  }
  return found.sort((x, y) => x.tokensPerDay - y.tokensPerDay);
}
