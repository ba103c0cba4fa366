import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { picoToUsdNumber } from '../engine/money.js';
import type { ScenarioResult } from './run-scenario.js';

const Usd = Type.Number({ description: 'US dollars' });
const DAYS_PER_MONTH = 365 / 12;

/** One option at one swept volume: a day's cost and its parts, and the month and year at that rate. */
const OptionCostSchema = Type.Object({
  option: Type.String(),
  usd_per_day: Usd,
  usd_per_month: Usd,
  usd_per_year: Usd,
  breakdown_per_day: Type.Object({ tokens: Usd, fixed: Usd, capacity: Usd }),
  capacity_units: Type.Record(Type.String(), Type.Integer()),
  requests_per_day: Type.Number(),
  denied_per_day: Type.Number(),
  /** Requests answered from the response cache, and what they would have cost. */
  cache_hits_per_day: Type.Number(),
  cache_saved_usd_per_day: Usd,
});

/**
 * `summary.json`: what `scenario run` found, for pipelines and notebooks (`--json` prints it). Money in USD; a
 * month is 365/12 days. `inputs_sha256` covers the scenario file and every config file it names, so two summaries
 * with the same hash came from the same inputs.
 */
export const ScenarioSummarySchema = Type.Object({
  scenario: Type.String(),
  inputs_sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  options: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })),
  volumes: Type.Array(
    Type.Object({ tokens_per_day: Type.Number(), cheapest: Type.String(), costs: Type.Array(OptionCostSchema) }),
  ),
  crossovers: Type.Array(
    Type.Object({
      pair: Type.Tuple([Type.String(), Type.String()]),
      tokens_per_day: Type.Number(),
      /** The last two volumes replayed around it, when the search narrowed it (null when it met exactly). */
      bracket: Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]),
      cheaper_below: Type.String(),
      cheaper_above: Type.String(),
    }),
  ),
  cheapest_bands: Type.Array(
    Type.Object({ from_tokens_per_day: Type.Number(), to_tokens_per_day: Type.Number(), option: Type.String() }),
  ),
  warnings: Type.Array(
    Type.Object({
      kind: Type.Union([
        Type.Literal('denied'),
        Type.Literal('substituted'),
        Type.Literal('capacity_exceeded'),
        Type.Literal('options_differ'),
      ]),
      option: Type.Optional(Type.String()),
      share: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
      message: Type.String(),
      /** With `denied`: the missing traffic by reason, model and tags. */
      denied: Type.Optional(
        Type.Array(
          Type.Object({
            code: Type.String(),
            model: Type.String(),
            tags: Type.Array(Type.String()),
            requests: Type.Integer({ minimum: 0 }),
            share: Type.Number({ minimum: 0, maximum: 1 }),
          }),
        ),
      ),
    }),
  ),
  /**
   * With inputs given as ranges: per crossover, each input's swing (the tornado) and the interval of all drawn at once.
   */
  sensitivity: Type.Optional(
    Type.Array(
      Type.Object({
        pair: Type.Tuple([Type.String(), Type.String()]),
        base_tokens_per_day: Type.Number(),
        interval: Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]),
        samples: Type.Integer(),
        no_crossing: Type.Integer(),
        tornado: Type.Array(
          Type.Object({
            input: Type.String(),
            low: Type.Number(),
            high: Type.Number(),
            at_low: Type.Union([Type.Number(), Type.Null()]),
            at_high: Type.Union([Type.Number(), Type.Null()]),
          }),
        ),
      }),
    ),
  ),
  /** With repeats the response cache answers: who caches, and each crossover with the cache and without it. */
  cache: Type.Optional(
    Type.Object({
      hit_share: Type.Number({ minimum: 0, maximum: 1 }),
      caching_options: Type.Array(Type.String()),
      crossovers: Type.Array(
        Type.Object({
          pair: Type.Tuple([Type.String(), Type.String()]),
          with_cache: Type.Union([Type.Number(), Type.Null()]),
          without_cache: Type.Union([Type.Number(), Type.Null()]),
        }),
      ),
    }),
  ),
  replayed: Type.Object({ requests: Type.Integer(), seconds: Type.Number() }),
});
export type ScenarioSummary = Static<typeof ScenarioSummarySchema>;

const round = (usd: number, places = 6) => Math.round(usd * 10 ** places) / 10 ** places;

/** The scenario file's bytes and those of every config file it names, hashed together. */
function inputsHash(result: ScenarioResult): string {
  const hash = createHash('sha256').update(readFileSync(result.scenario.path));
  for (const o of result.scenario.file.options)
    if (typeof o.config === 'string') hash.update(readFileSync(resolve(dirname(result.scenario.path), o.config)));
  return hash.digest('hex');
}

export function scenarioSummary(result: ScenarioResult): ScenarioSummary {
  const ids = result.scenario.options.map((o) => o.id);
  return {
    scenario: result.scenario.file.name,
    inputs_sha256: inputsHash(result),
    options: result.scenario.options.map((o) => ({ id: o.id, label: o.label })),
    volumes: result.sweep.map((v) => {
      const at = ids.map((id) => result.costs.find((c) => c.option === id && c.tokensPerDay === v)!);
      const cheapest = at.reduce((best, c) => (c.totalPico < best.totalPico ? c : best)).option;
      return {
        tokens_per_day: v,
        cheapest,
        costs: at.map((c) => {
          const day = picoToUsdNumber(c.totalPico);
          return {
            option: c.option,
            usd_per_day: round(day),
            usd_per_month: round(day * DAYS_PER_MONTH, 2),
            usd_per_year: round(day * 365, 2),
            breakdown_per_day: {
              tokens: round(picoToUsdNumber(c.tokenPico)),
              fixed: round(picoToUsdNumber(c.fixedPico)),
              capacity: round(picoToUsdNumber(c.capacityPico)),
            },
            capacity_units: Object.fromEntries(c.capacityUnits.map((u) => [u.name, u.units])),
            requests_per_day: c.requestsPerDay,
            denied_per_day: c.denied / (result.scenario.file.days ?? 1),
            cache_hits_per_day: c.cached / (result.scenario.file.days ?? 1),
            cache_saved_usd_per_day: round(picoToUsdNumber(c.savedPico)),
          };
        }),
      };
    }),
    crossovers: result.crossovers.map((c) => ({
      pair: [c.a, c.b],
      tokens_per_day: c.tokensPerDay,
      bracket: c.bracket[0] === c.bracket[1] ? null : [c.bracket[0], c.bracket[1]],
      cheaper_below: c.cheaperBelow,
      cheaper_above: c.cheaperAbove,
    })),
    cheapest_bands: result.bands.map((b) => ({
      from_tokens_per_day: b.from,
      to_tokens_per_day: b.to,
      option: b.option,
    })),
    warnings: result.warnings.map(({ denied, ...w }) => ({
      ...w,
      ...(denied ? { denied: denied.map((d) => ({ ...d, tags: [...d.tags] })) } : {}),
    })),
    ...(result.sensitivity
      ? {
          sensitivity: result.sensitivity.map((x) => ({
            pair: [x.pair[0], x.pair[1]] as [string, string],
            base_tokens_per_day: x.base,
            interval: x.interval ? ([x.interval[0], x.interval[1]] as [number, number]) : null,
            samples: x.samples,
            no_crossing: x.noCrossing,
            tornado: x.bars.map((b) => ({
              input: b.input,
              low: b.low,
              high: b.high,
              at_low: b.atLow,
              at_high: b.atHigh,
            })),
          })),
        }
      : {}),
    ...(result.cache
      ? {
          cache: {
            hit_share: result.cache.hitShare,
            caching_options: [...result.cache.caching],
            crossovers: result.cache.shifts.map((x) => ({
              pair: [x.pair[0], x.pair[1]] as [string, string],
              with_cache: x.withCache,
              without_cache: x.withoutCache,
            })),
          },
        }
      : {}),
    replayed: { requests: result.replayed.requests, seconds: round(result.replayed.seconds, 3) },
  };
}
