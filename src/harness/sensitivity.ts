import { findCrossovers, type CostAt, type Crossover } from './crossovers.js';
import type { PreparedOption } from './prepared-option.js';
import { SeededRandom } from './seeded-random.js';
import type { UncertainInput } from './uncertain-inputs.js';

/**
 * Each option's cost per day at a volume, with some options changed (`rerouted`: replayed again, not only re-priced).
 */
export type VariantCosts = (
  options: readonly PreparedOption[],
  rerouted: ReadonlySet<number>,
  tokensPerDay: number,
) => Promise<CostAt>;

/** How far one input's range moves one crossover: where it lies with the input at its low end and at its high end. */
export interface TornadoBar {
  readonly input: string;
  readonly low: number;
  readonly high: number;
  /** The crossover's volume with the input at `low` / `high`; null when the pair no longer crosses. */
  readonly atLow: number | null;
  readonly atHigh: number | null;
}

export interface CrossoverSensitivity {
  readonly pair: readonly [string, string];
  readonly base: number;
  /** Widest swing first. */
  readonly bars: readonly TornadoBar[];
  /** Where it lies with every range drawn at once (seeded), 5th to 95th percentile; null when too few draws cross. */
  readonly interval: readonly [number, number] | null;
  readonly samples: number;
  /** Draws in which the pair did not cross in the swept range. */
  readonly noCrossing: number;
}

/** The crossover of the same pair nearest to where it was with every input at its middle. */
export function nearest(found: readonly Crossover[], base: Crossover): number | null {
  const same = found.filter((c) => (c.a === base.a && c.b === base.b) || (c.a === base.b && c.b === base.a));
  if (same.length === 0) return null;
  return same.reduce((best, c) =>
    Math.abs(Math.log(c.tokensPerDay / base.tokensPerDay)) < Math.abs(Math.log(best.tokensPerDay / base.tokensPerDay))
      ? c
      : best,
  ).tokensPerDay;
}

/**
 * What the inputs nobody knows exactly do to each crossover: a tornado (each range swept alone, the others at their
 * middles) and an interval from drawing all of them at once (seeded, so the report is reproducible). Every
 * variant goes through the planner: an input that only changes prices re-prices the rows already replayed; one
 * that changes routing (an aggregator's fee) replays its option again.
 */
export async function crossoverSensitivity(
  inputs: readonly UncertainInput[],
  options: readonly PreparedOption[],
  sweep: readonly number[],
  base: readonly Crossover[],
  costsAt: VariantCosts,
  samples: number,
  seed: number,
): Promise<CrossoverSensitivity[]> {
  if (inputs.length === 0 || base.length === 0) return [];
  // The tornado's ends are narrowed like the base run's crossovers (1 %); the draws, which only feed a 5th–95th
  // percentile, to 5 %: a third of the replays.
  const crossoversWith = async (values: ReadonlyMap<UncertainInput, number>, tolerance = 0.01) => {
    const changed = [...options];
    const rerouted = new Set<number>();
    for (const [input, value] of values) {
      changed[input.option] = await input.apply(changed[input.option] as PreparedOption, value);
      if (input.reroutes) rerouted.add(input.option);
    }
    const points: { tokensPerDay: number; costs: CostAt }[] = [];
    for (const v of sweep) points.push({ tokensPerDay: v, costs: await costsAt(changed, rerouted, v) });
    return findCrossovers(points, (v) => costsAt(changed, rerouted, v), tolerance);
  };
  const ends: { input: UncertainInput; low: Crossover[]; high: Crossover[] }[] = [];
  for (const input of inputs)
    ends.push({
      input,
      low: await crossoversWith(new Map([[input, input.low]])),
      high: await crossoversWith(new Map([[input, input.high]])),
    });
  const random = new SeededRandom(seed ^ 0x5eed);
  const draws: Crossover[][] = [];
  for (let s = 0; s < samples; s++)
    draws.push(
      await crossoversWith(
        new Map(inputs.map((input) => [input, input.low + random.next() * (input.high - input.low)])),
        0.05,
      ),
    );
  return base.map((crossing) => {
    const swing = (b: TornadoBar) =>
      Math.abs(Math.log((b.atHigh ?? crossing.tokensPerDay) / (b.atLow ?? crossing.tokensPerDay)));
    const bars = ends
      .map(({ input, low, high }) => ({
        input: input.name,
        low: input.low,
        high: input.high,
        atLow: nearest(low, crossing),
        atHigh: nearest(high, crossing),
      }))
      .sort((a, b) => swing(b) - swing(a));
    const crossed = draws
      .map((d) => nearest(d, crossing))
      .filter((v): v is number => v !== null)
      .sort((a, b) => a - b);
    const at = (q: number) =>
      crossed[Math.min(crossed.length - 1, Math.max(0, Math.round(q * (crossed.length - 1))))] as number;
    return {
      pair: [crossing.a, crossing.b],
      base: crossing.tokensPerDay,
      bars,
      interval: crossed.length >= 2 ? [at(0.05), at(0.95)] : null,
      samples,
      noCrossing: samples - crossed.length,
    };
  });
}
