import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { picoToUsdNumber } from '../engine/money.js';
import { loadScenario, sweepVolumes } from '../harness/load-scenario.js';
import type { ScenarioFile } from '../harness/scenario-schema.js';
import { shapeOf } from '../harness/generate-traffic.js';
import { replayableVolume, runScenario } from '../harness/run-scenario.js';
import { readLoggedTraffic } from '../harness/traffic-from-log.js';

/** What the crossover page draws and says. */
export interface CrossoverView {
  readonly scenario: string;
  readonly observedTokensPerDay: number;
  readonly requests: number;
  readonly options: readonly { id: string; label: string }[];
  /** Each option's cost per day at each volume swept, USD. */
  readonly points: readonly { tokensPerDay: number; usd: Readonly<Record<string, number>> }[];
  readonly crossovers: readonly { tokensPerDay: number; cheaperBelow: string; cheaperAbove: string }[];
  /** Which option is cheapest at the observed volume. */
  readonly cheapestNow: string | undefined;
  /** When the log was read and replayed (epoch ms): a view is reused for `FRESH_MS`. */
  readonly pricedAtMs: number;
}

const DAY_MS = 86_400_000;
/**
 * A view is answered again for this long: a replay of a week's traffic takes seconds, and a minute's newer traffic
 * moves nothing in a window of days. Asks while one is being computed share it.
 */
export const FRESH_MS = 60_000;
/**
 * The most requests one volume point of the page's sweep replays: a click answers in seconds. Past it the sweep stops
 * short of the scenario's largest volume; that binds only for a log of short requests (the package's blog scenario
 * over requests of 17 tokens replayed 2.9 million at its largest point, 19 s), whose crossover lies far lower.
 */
export const REPLAY_REQUESTS_PER_POINT = 200_000;
const recent = new Map<string, { readonly atMs: number; readonly view: Promise<CrossoverView> }>();

/** `crossoverFromLog`, reused while fresh: per scenario file (as it is now), log and window. */
export function crossoverView(
  scenarioPath: string,
  logDir: string,
  days: number,
  nowMs: number,
): Promise<CrossoverView> {
  const key = [scenarioPath, statSync(scenarioPath).mtimeMs, logDir, days].join('\u0000');
  const kept = recent.get(key);
  if (kept && nowMs - kept.atMs < FRESH_MS) return kept.view;
  for (const [k, v] of recent) if (nowMs - v.atMs >= FRESH_MS) recent.delete(k);
  const view = crossoverFromLog(scenarioPath, logDir, days, nowMs);
  recent.set(key, { atMs: nowMs, view });
  view.catch(() => recent.delete(key));
  return view;
}

/**
 * The operator's own logged traffic priced under a scenario file's options: the scenario's traffic is replaced by
 * the log's (`traffic.from_log`, the `scenario from-log` machinery), swept from a tenth of the observed volume to
 * a hundred times it, and replayed through the planner into an in-memory DuckDB.
 */
export async function crossoverFromLog(
  scenarioPath: string,
  logDir: string,
  days: number,
  nowMs = Date.now(),
): Promise<CrossoverView> {
  const logged = await readLoggedTraffic(logDir, nowMs - days * DAY_MS);
  const observed = Math.max(1, Math.round(logged.tokensPerDay));
  const file = parse(readFileSync(scenarioPath, 'utf8')) as Record<string, unknown> & {
    options: { config: unknown }[];
    volume: unknown;
  };
  const base = dirname(resolve(scenarioPath));
  const own = sweepVolumes(file.volume as ScenarioFile['volume']);
  // Written elsewhere: a relative config path must still name the scenario's own file.
  const options = file.options.map((o) =>
    typeof o.config === 'string' && !isAbsolute(o.config) ? { ...o, config: join(base, o.config) } : o,
  );
  // From a tenth of the observed volume to a hundred times it, widened to the scenario's own range (where its options
  // cross may lie far from today's traffic), and no further than REPLAY_REQUESTS_PER_POINT of this traffic: a log of
  // short requests (refused ones carry a few estimated tokens) would otherwise ask tens of millions of requests of the
  // scenario's largest volume, past what a point may replay at all. A decade wide at least.
  const replayable = replayableVolume(
    shapeOf(logged.traffic, logged.recorded),
    Number(file.days ?? 1),
    REPLAY_REQUESTS_PER_POINT,
  );
  const to = Math.min(Math.max(observed * 100, own.at(-1) ?? 0), replayable);
  const widenedFrom = Math.max(1000, Math.min(Math.round(observed / 10), own[0] ?? Infinity));
  const from = Math.min(widenedFrom, Math.round(to / 10));
  const rewritten = {
    ...file,
    options,
    traffic: { from_log: resolve(logDir), since: `${days}d` },
    volume: { from, to, points: 12, scale: 'log' },
  };
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-crossover-'));
  try {
    const path = join(dir, 'from-log.scenario.yaml');
    writeFileSync(path, stringify(rewritten));
    const result = await runScenario(await loadScenario(path), { dbPath: ':memory:' });
    const byVolume = new Map<number, Record<string, number>>();
    for (const c of result.costs) {
      const row = byVolume.get(c.tokensPerDay) ?? {};
      row[c.option] = picoToUsdNumber(c.totalPico);
      byVolume.set(c.tokensPerDay, row);
    }
    const points = [...byVolume].sort(([a], [b]) => a - b).map(([tokensPerDay, usd]) => ({ tokensPerDay, usd }));
    const nearest = points.reduce<(typeof points)[number] | undefined>(
      (best, p) =>
        !best || Math.abs(Math.log(p.tokensPerDay / observed)) < Math.abs(Math.log(best.tokensPerDay / observed))
          ? p
          : best,
      undefined,
    );
    const cheapestNow = nearest && Object.entries(nearest.usd).sort(([, a], [, b]) => a - b)[0]?.[0];
    return {
      scenario: String(file.name ?? scenarioPath),
      observedTokensPerDay: observed,
      requests: logged.requests,
      options: result.scenario.options.map((o) => ({ id: o.id, label: o.label })),
      points,
      crossovers: result.crossovers.map((c) => ({
        tokensPerDay: c.tokensPerDay,
        cheaperBelow: c.cheaperBelow,
        cheaperAbove: c.cheaperAbove,
      })),
      cheapestNow,
      pricedAtMs: nowMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
