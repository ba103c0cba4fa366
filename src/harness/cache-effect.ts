import { findCrossovers, type CostAt, type Crossover } from './crossovers.js';
import type { PreparedOption } from './prepared-option.js';
import { nearest, type VariantCosts } from './sensitivity.js';

/** Where one pair of options crosses with the response cache's answers, and where it would cross without them. */
export interface CacheShift {
  readonly pair: readonly [string, string];
  /** Null: the pair does not cross in the swept range that way. */
  readonly withCache: number | null;
  readonly withoutCache: number | null;
}

/** What the response cache does to a scenario: the share of requests that repeat, who caches, and the crossovers. */
export interface CacheEffect {
  readonly hitShare: number;
  /** The options whose config has `cache:` (the others answer every repeat upstream). */
  readonly caching: readonly string[];
  readonly shifts: readonly CacheShift[];
}

/** The option as its gateway would run without `cache:`: every repeat goes upstream. */
const withoutCache = (option: PreparedOption): PreparedOption =>
  option.file.cache === undefined ? option : { ...option, file: { ...option.file, cache: undefined } };

/**
 * How far the cache moves each crossover: the options that cache replayed again as if they did not (the others are the
 * same either way), their crossovers found the same way, and each pair's crossing with the cache beside the nearest
 * one without it.
 */
export async function cacheEffect(
  hitShare: number,
  options: readonly PreparedOption[],
  sweep: readonly number[],
  withCache: readonly Crossover[],
  variantCosts: VariantCosts,
): Promise<CacheEffect> {
  const caching = new Set(options.flatMap((o, i) => (o.file.cache ? [i] : [])));
  if (caching.size === 0) return { hitShare, caching: [], shifts: [] };
  const plain = options.map(withoutCache);
  const costsWithout = (v: number): Promise<CostAt> => variantCosts(plain, caching, v);
  const points: { tokensPerDay: number; costs: CostAt }[] = [];
  for (const v of sweep) points.push({ tokensPerDay: v, costs: await costsWithout(v) });
  const without = await findCrossovers(points, costsWithout);
  const samePair = (c: Crossover, d: Crossover) => (c.a === d.a && c.b === d.b) || (c.a === d.b && c.b === d.a);
  const shifts: CacheShift[] = withCache.map((c) => ({
    pair: [c.a, c.b],
    withCache: c.tokensPerDay,
    withoutCache: nearest(without, c),
  }));
  for (const d of without)
    if (!withCache.some((c) => samePair(c, d)))
      shifts.push({ pair: [d.a, d.b], withCache: null, withoutCache: d.tokensPerDay });
  return { hitShare, caching: options.filter((o) => o.file.cache !== undefined).map((o) => o.id), shifts };
}
