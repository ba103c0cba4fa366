import { loadConfigObject } from '../config/load-config.js';
import { usdToPico } from '../engine/money.js';
import type { PreparedOption } from './prepared-option.js';
import type { Capacity, ScenarioFile } from './scenario-schema.js';

/** An input given as `[low, high]`: what the report sweeps to show how far it moves the answer. */
export interface UncertainInput {
  /** For people: `self-hosted: ops $/day`. */
  readonly name: string;
  /** Index of the option it belongs to. */
  readonly option: number;
  readonly low: number;
  readonly high: number;
  /** The middle: what the base run uses. */
  readonly base: number;
  /** Whether a value changes where requests go (the option is replayed again), not only what they cost. */
  readonly reroutes: boolean;
  /** The option with this input set to `value`. */
  apply(option: PreparedOption, value: number): Promise<PreparedOption>;
}

export const middle = (v: number | readonly [number, number]) => (typeof v === 'number' ? v : (v[0] + v[1]) / 2);

/** The option's aggregator routes charging `fee` percent, the config loaded again as the gateway would. */
async function withFee(option: PreparedOption, fee: number): Promise<PreparedOption> {
  const routes = option.file.routes.map((r) =>
    r.kind === 'aggregator' ? { ...r, pricing: { ...r.pricing, fee_percent: fee } } : r,
  );
  const loaded = await loadConfigObject({ ...option.file, routes }, option.configPath);
  return { ...option, routing: loaded.routing, file: loaded.file };
}

const setCapacity = (option: PreparedOption, j: number, patch: Partial<Capacity>): PreparedOption => ({
  ...option,
  capacity: option.capacity.map((c, k) => (k === j ? { ...c, ...patch } : c)),
});

/** Every range the scenario gives, in the order of its options. */
export function uncertainInputs(file: ScenarioFile): UncertainInput[] {
  const inputs: UncertainInput[] = [];
  file.options.forEach((o, i) => {
    const add = (
      name: string,
      [low, high]: readonly [number, number],
      reroutes: boolean,
      apply: UncertainInput['apply'],
    ) => inputs.push({ name: `${o.id}: ${name}`, option: i, low, high, base: (low + high) / 2, reroutes, apply });
    if (o.fee_percent) add('aggregator fee %', o.fee_percent, true, withFee);
    for (const [name, usd] of Object.entries(o.fixed_per_day_usd ?? {})) {
      if (typeof usd !== 'number')
        add(`${name} $/day`, usd, false, async (opt, v) => ({
          ...opt,
          fixedPerDay: opt.fixedPerDay.map((f) => (f.name === name ? { name, pico: usdToPico(v) } : f)),
        }));
    }
    (o.capacity ?? []).forEach((c, j) => {
      if (Array.isArray(c.per_unit))
        add(`${c.name} per unit (${c.metric.replace(/_/g, ' ')})`, c.per_unit, false, async (opt, v) =>
          setCapacity(opt, j, { per_unit: v }),
        );
      if (Array.isArray(c.unit_per_day_usd))
        add(`${c.name} $/day`, c.unit_per_day_usd, false, async (opt, v) =>
          setCapacity(opt, j, { unit_per_day_usd: v }),
        );
      if (Array.isArray(c.unit_per_hour_usd))
        add(`${c.name} $/hour`, c.unit_per_hour_usd, false, async (opt, v) =>
          setCapacity(opt, j, { unit_per_hour_usd: v }),
        );
    });
  });
  return inputs;
}

/** An option's capacity steps with every range at its middle. */
export function baseCapacity(steps: ScenarioFile['options'][number]['capacity']): Capacity[] {
  return (steps ?? []).map(({ per_unit, unit_per_day_usd, unit_per_hour_usd, ...rest }) => ({
    ...rest,
    // `measured` is set from the live run before anything is costed.
    per_unit: per_unit === 'measured' ? Number.NaN : middle(per_unit),
    ...(per_unit === 'measured' ? { measured: true } : {}),
    ...(unit_per_day_usd === undefined ? {} : { unit_per_day_usd: middle(unit_per_day_usd) }),
    ...(unit_per_hour_usd === undefined ? {} : { unit_per_hour_usd: middle(unit_per_hour_usd) }),
  }));
}
