import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { ConfigError } from '../engine/errors.js';
import { picoToUsdNumber } from '../engine/money.js';
import { cacheEffect, type CacheEffect } from './cache-effect.js';
import { findCrossovers, type CostAt, type Crossover } from './crossovers.js';
import { dailyCosts, type PointCost } from './daily-costs.js';
import { generateTraffic, requestsPerDay, shapeOf, type TrafficShape } from './generate-traffic.js';
import type { Scenario } from './load-scenario.js';
import type { PreparedOption } from './prepared-option.js';
import { runLive, type LiveResult } from './live-run.js';
import { outageStats, replayBatch, type OutageImpact } from './replay.js';
import { scenarioWarnings, type ScenarioWarning } from './scenario-warnings.js';
import { crossoverSensitivity, type CrossoverSensitivity, type VariantCosts } from './sensitivity.js';
import { ReroutedReplays } from './rerouted-replays.js';
import { ScenarioDb } from './scenario-db.js';

export interface Band {
  readonly from: number;
  readonly to: number;
  readonly option: string;
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  /** Every option at every volume replayed, sweep and refinement points, by volume. */
  readonly costs: readonly PointCost[];
  readonly sweep: readonly number[];
  readonly crossovers: readonly Crossover[];
  /** The cheapest option over each range of volume. */
  readonly bands: readonly Band[];
  readonly replayed: { readonly requests: number; readonly seconds: number };
  /** Measured through real gateways, with `--live`. */
  readonly live?: readonly LiveResult[];
  /** With `outages`: each option's requests during them at each swept volume, against every route up. */
  readonly outages?: readonly OutageRow[];
  /** With inputs given as ranges: how far they move each crossover (`sensitivity.ts`). */
  readonly sensitivity?: readonly CrossoverSensitivity[];
  /** With repeats the response cache answers (`traffic.cache_hit_share`, the log's hits): how far crossovers move. */
  readonly cache?: CacheEffect;
  /** Denials, substitutions, capacity run out, options serving different things (`scenario-warnings.ts`). */
  readonly warnings: readonly ScenarioWarning[];
}

export interface OutageRow extends OutageImpact {
  readonly option: string;
  readonly tokensPerDay: number;
}

export interface RunOptions {
  /** The DuckDB file to write (replaced), or `:memory:`. */
  readonly dbPath: string;
  /** Work done and to do, in tokens replayed (a refinement adds its volume to both), and what runs now. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
  /** Also drive each option's requests through a real gateway over latency-profiled mock upstreams. */
  readonly live?: boolean;
}

/** Capacity steps whose `per_unit` is `measured`, set to what their route delivered within the SLO in the live run. */
function withMeasuredCapacity(options: readonly PreparedOption[], live: readonly LiveResult[]): PreparedOption[] {
  return options.map((o) => ({
    ...o,
    capacity: o.capacity.map((c) => {
      if (!c.measured) return c;
      const measured = live.find((l) => l.option === o.id)?.tokensPerSecondByRoute[c.route as string];
      if (!measured)
        throw new ConfigError(o.id, [
          {
            path: `capacity.${c.name}`,
            message: `route ${c.route} served nothing within the SLO in the live run, so its throughput could not be measured`,
          },
        ]);
      return { ...c, per_unit: measured };
    }),
  }));
}

function cheapestBands(
  points: readonly { tokensPerDay: number; costs: CostAt }[],
  crossovers: readonly Crossover[],
): Band[] {
  const bands: Band[] = [];
  for (const p of points) {
    const cheapest = [...p.costs.entries()].reduce((best, e) => (e[1] < best[1] ? e : best))[0];
    const last = bands[bands.length - 1];
    if (last && last.option === cheapest) {
      bands[bands.length - 1] = { ...last, to: p.tokensPerDay };
    } else {
      if (last) {
        const edge = crossovers.find(
          (c) =>
            c.cheaperBelow === last.option &&
            c.cheaperAbove === cheapest &&
            c.tokensPerDay >= last.to &&
            c.tokensPerDay <= p.tokensPerDay,
        );
        bands[bands.length - 1] = { ...last, to: edge?.tokensPerDay ?? last.to };
      }
      bands.push({
        from: bands.length === 0 ? p.tokensPerDay : (bands[bands.length - 1] as Band).to,
        to: p.tokensPerDay,
        option: cheapest,
      });
    }
  }
  return bands;
}

/**
 * The most requests one volume point may replay: memory grows with it (a 1e10-token day held 856 MB), and
 * past it the replay's typed arrays cannot even be made. Costs scale linearly, so a larger volume is priced
 * the same by replaying a smaller one.
 */
export const MAX_REPLAY_REQUESTS = 5_000_000;

/**
 * The largest volume (tokens per day) at which a point of this traffic replays `requests` (by default the most one
 * may) over `days`.
 */
export const replayableVolume = (shape: TrafficShape, days: number, requests = MAX_REPLAY_REQUESTS): number =>
  Math.floor((requests / days) * (shape.input.mean + shape.output.mean));

function checkReplaySize(scenario: Scenario, shape: TrafficShape, days: number): void {
  const largest = Math.max(...scenario.volumes);
  const requests = requestsPerDay(shape, largest) * days;
  if (requests <= MAX_REPLAY_REQUESTS) return;
  const source = relative(process.cwd(), scenario.path) || scenario.path;
  throw new ConfigError(source, [
    {
      path: 'volume',
      message:
        `${largest.toExponential(2)} tokens per day over ${days} day${days === 1 ? '' : 's'} is ${requests.toLocaleString('en-US')} requests to replay; ` +
        `a volume point may replay at most ${MAX_REPLAY_REQUESTS.toLocaleString('en-US')}. Lower the largest volume (to at most ` +
        `${replayableVolume(shape, days).toExponential(2)} tokens per day), or fewer days: costs per request do not change with volume, so a smaller point prices the same traffic`,
    },
  ]);
}

const costsAt = (rows: readonly PointCost[]): CostAt =>
  new Map(rows.map((r) => [r.option, picoToUsdNumber(r.totalPico)]));

/** Costs (sorted by volume) grouped per volume: what the cheapest bands are read from. */
const byVolumeOf = (costs: readonly PointCost[]) =>
  [...new Set(costs.map((c) => c.tokensPerDay))].map((v) => ({
    tokensPerDay: v,
    costs: costsAt(costs.filter((c) => c.tokensPerDay === v)),
  }));

/**
 * Ids of model names: the traffic's first, then served models beyond them (a rule's on-prem model, a
 * downgrade, a fallback) as they appear.
 */
function modelIdsFor(models: readonly string[]) {
  const ids = new Map(models.map((m, i) => [m, i]));
  const idOf = (model: string) => {
    let id = ids.get(model);
    if (id === undefined) ids.set(model, (id = ids.size));
    return id;
  };
  return { ids, idOf };
}

const measuredNeedsLive = (scenario: Scenario) =>
  new ConfigError(relative(process.cwd(), scenario.path), [
    {
      path: 'options[].capacity[].per_unit',
      message: "'measured' takes a route's tokens per second from a live run: add --live",
    },
  ]);

/** The tables every replayed row refers to by id: options, models, tenants, tag sets and routes. */
async function insertDimensions(db: ScenarioDb, options: readonly PreparedOption[], shape: TrafficShape) {
  await db.insert(
    'options',
    options.map((o, i) => [i, o.id, o.label]),
  );
  await db.insert(
    'models',
    shape.models.map((m, i) => [i, m]),
  );
  await db.insert(
    'tenants',
    shape.tenants.map((t, i) => [i, t]),
  );
  await db.insert(
    'tagsets',
    shape.tagsets.map((tags, i) => [i, [...tags]]),
  );
  await db.insert(
    'routes',
    options.flatMap((o, i) => o.routing.routes.map((r, j) => [i, j, r.id, r.kind])),
  );
}

/**
 * Replays a scenario: for each volume of the sweep the requests are drawn from the seed, then every option
 * replays the same requests through the planner into DuckDB; SQL gives each option's daily cost; every
 * crossover is narrowed to 1 % by replaying at intermediate volumes.
 */
export async function runScenario(scenario: Scenario, run: RunOptions): Promise<ScenarioResult> {
  const started = process.hrtime.bigint();
  const { file } = scenario;
  let options = scenario.options;
  const measured = options.some((o) => o.capacity.some((c) => c.measured));
  if (measured && !run.live) throw measuredNeedsLive(scenario);
  if (run.dbPath !== ':memory:') rmSync(run.dbPath, { force: true });
  const db = await ScenarioDb.create(run.dbPath);
  const shape = shapeOf(scenario.traffic, scenario.recorded);
  const days = file.days ?? 1;
  checkReplaySize(scenario, shape, days);
  const seed = file.seed ?? 1;
  try {
    await insertDimensions(db, options, shape);
    const routeIds = options.map((o) => new Map(o.routing.routes.map((r, i) => [r.id, i])));
    const volumes = new Map<number, number>();
    let replayedRequests = 0;
    const downByHour = outageStats(file.outages ?? [], days);
    const { ids: modelIds, idOf: modelId } = modelIdsFor(shape.models);
    const ctx = { shape, days, seed, downByHour, modelId };
    const outageRows: OutageRow[] = [];
    const pointAt = new Map<number, number>();
    const replayAt = async (tokensPerDay: number, source: 'sweep' | 'refine'): Promise<number> => {
      const point = volumes.size;
      volumes.set(point, tokensPerDay);
      pointAt.set(tokensPerDay, point);
      await db.insert('volumes', [[point, tokensPerDay, source]]);
      const batch = generateTraffic(shape, tokensPerDay, days, seed);
      options.forEach((option, i) => {
        const counts = replayBatch(batch, option, i, point, routeIds[i] as Map<string, number>, db, ctx);
        replayedRequests += counts.requests;
        if (source === 'sweep' && counts.outage.requests > 0)
          outageRows.push({ option: option.id, tokensPerDay, ...counts.outage });
      });
      db.flush();
      return point;
    };

    // Capacity measured live: the live run comes first, and its routes' throughput within the SLO sizes the steps.
    let live = measured ? await runLive(options, shape, file.live ?? { latency: {} }, seed, db) : undefined;
    if (live) options = withMeasuredCapacity(options, live);
    // Progress by work: replaying a volume costs in proportion to its tokens, for every option alike.
    let total = scenario.volumes.reduce((sum, v) => sum + v, 0);
    let done = 0;
    for (const v of scenario.volumes) {
      run.onProgress?.(done, total, `sweep: ${v.toLocaleString('en-US')} tokens/day`);
      await replayAt(v, 'sweep');
      done += v;
    }
    const sweepCosts = await dailyCosts(db, options, volumes, days);
    const sweep = scenario.volumes.map((v, point) => ({
      tokensPerDay: v,
      costs: costsAt(sweepCosts.filter((c) => c.point === point)),
    }));
    const crossovers = await findCrossovers(sweep, async (v) => {
      total += v;
      run.onProgress?.(done, total, `crossovers: ${v.toLocaleString('en-US')} tokens/day`);
      const point = await replayAt(v, 'refine');
      done += v;
      return costsAt(await dailyCosts(db, options, volumes, days, point));
    });
    // Inputs given as ranges (each swept alone, then all drawn at once) and the cache, through the same replays.
    const rerouted = new ReroutedReplays(ctx);
    let stage = 'sensitivity';
    const variantCosts: VariantCosts = async (changed, reroutedIds, v) => {
      run.onProgress?.(done, total, `${stage}: ${v.toLocaleString('en-US')} tokens/day`);
      const point = pointAt.get(v) ?? (await replayAt(v, 'refine'));
      const rows = (await dailyCosts(db, changed, volumes, days, point)).filter(
        (r) => !reroutedIds.has(changed.findIndex((o) => o.id === r.option)),
      );
      for (const i of reroutedIds) rows.push(...(await rerouted.costs(changed, i, v)));
      // In the options' order, so each pair is named as in the base run.
      const order = (id: string) => changed.findIndex((o) => o.id === id);
      return costsAt(rows.sort((a, b) => order(a.option) - order(b.option)));
    };
    let sensitivity: CrossoverSensitivity[] = [];
    let cache: CacheEffect | undefined;
    try {
      stage = 'without the cache';
      if (shape.cacheHitShare > 0)
        cache = await cacheEffect(shape.cacheHitShare, options, scenario.volumes, crossovers, variantCosts);
      stage = 'sensitivity';
      sensitivity = await crossoverSensitivity(
        scenario.uncertain,
        options,
        scenario.volumes,
        crossovers,
        variantCosts,
        file.uncertainty?.samples ?? 16,
        seed,
      );
    } finally {
      rerouted.close();
    }
    run.onProgress?.(done, total, run.live ? 'live: through real gateways' : 'done');
    const replayedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    await db.insert(
      'models',
      [...modelIds].slice(shape.models.length).map(([m, id]) => [id, m]),
    );
    if (run.live && !live) live = await runLive(options, shape, file.live ?? { latency: {} }, seed, db);
    const sweepPoints = [...volumes].filter(([point]) => point < scenario.volumes.length).map(([point]) => point);
    const warnings = await scenarioWarnings(db, scenario, sweepPoints, sweepCosts);
    const costs = (await dailyCosts(db, options, volumes, days)).sort(
      (a, b) => a.tokensPerDay - b.tokensPerDay || a.option.localeCompare(b.option),
    );
    return {
      // With measured capacity, the options as costed.
      scenario: options === scenario.options ? scenario : { ...scenario, options },
      costs,
      sweep: scenario.volumes,
      crossovers,
      bands: cheapestBands(byVolumeOf(costs), crossovers),
      replayed: { requests: replayedRequests, seconds: replayedSeconds },
      ...(live ? { live } : {}),
      ...(outageRows.length > 0 ? { outages: outageRows } : {}),
      ...(sensitivity.length > 0 ? { sensitivity } : {}),
      ...(cache ? { cache } : {}),
      warnings,
    };
  } finally {
    db.close();
  }
}
