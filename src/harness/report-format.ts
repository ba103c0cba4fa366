import { picoToUsdNumber } from '../engine/money.js';
import type { PointCost } from './daily-costs.js';
import type { ScenarioResult } from './run-scenario.js';

/** `1500000` → `1.5M`, `250000` → `250k`. */
export function tokensLabel(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toPrecision(3)}B`;
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return String(n);
}

/** `$1,234.56`: thousands separated, cents. */
export const usd = (pico: bigint) => usdNumber(picoToUsdNumber(pico));
export const usdNumber = (n: number, places = 2) =>
  `$${n.toLocaleString('en-US', { minimumFractionDigits: places, maximumFractionDigits: places })}`;

/** Rows of the summary table: one per sweep volume, one column per option, and the cheapest. */
export function summaryRows(result: ScenarioResult): string[][] {
  const options = result.scenario.options.map((o) => o.id);
  return result.sweep.map((v) => {
    const at = result.costs.filter((c) => c.tokensPerDay === v);
    const cost = (id: string) => at.find((c) => c.option === id) as PointCost;
    const cheapest = options.reduce((best, id) => (cost(id).totalPico < cost(best).totalPico ? id : best));
    return [tokensLabel(v), ...options.map((id) => usd(cost(id).totalPico)), cheapest];
  });
}

export function crossoverLines(result: ScenarioResult): string[] {
  if (result.crossovers.length === 0) return ['no crossover in the swept range'];
  return result.crossovers.map(
    (c) =>
      `${c.a} and ${c.b} cross at ≈${tokensLabel(c.tokensPerDay)} tokens/day${bracketText(c.bracket)}: ${c.cheaperBelow} is cheaper below, ${c.cheaperAbove} above`,
  );
}

/** The replayed bracket around a crossover, when it says more than the crossover's own label. */
export function bracketText(bracket: readonly [number, number]): string {
  const [lo, hi] = bracket.map(tokensLabel);
  return lo === hi ? '' : ` (between ${lo} and ${hi})`;
}

export function bandLines(result: ScenarioResult): string[] {
  return result.bands.map((b) => `${tokensLabel(b.from)} – ${tokensLabel(b.to)} tokens/day: ${b.option}`);
}

/** Sensitive requests that stayed on-prem, all options and volumes (must be every one not denied). */
export function sensitiveLine(result: ScenarioResult): string | undefined {
  const sum = (f: (c: PointCost) => number) => result.costs.reduce((s, c) => s + f(c), 0);
  const sensitive = sum((c) => c.sensitive);
  if (sensitive === 0) return undefined;
  const onPrem = sum((c) => c.sensitiveOnPrem);
  const denied = sum((c) => c.sensitiveDenied);
  const offPrem = sensitive - onPrem - denied;
  const n = (x: number) => x.toLocaleString('en-US');
  return `sensitive requests: ${n(sensitive)}, on-prem ${n(onPrem)}, denied ${n(denied)}, sent off-prem ${n(offPrem)}${offPrem === 0 ? ' (as it must be)' : ' — A BUG: report it'}`;
}

/** The live section: latency and SLO attainment measured through a real gateway per option. */
export function liveRows(result: ScenarioResult): string[][] {
  return (result.live ?? []).map((l) => [
    l.option,
    String(l.requests),
    l.p50Ms.toFixed(1),
    l.p95Ms.toFixed(1),
    l.ttftP95Ms === undefined ? '-' : l.ttftP95Ms.toFixed(1),
    l.sloMet === undefined ? '-' : `${(l.sloMet * 100).toFixed(1)} % ≤ ${l.sloMs} ms`,
    Object.entries(l.byKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', '),
  ]);
}

export const LIVE_HEAD = ['option', 'requests', 'p50 ms', 'p95 ms', 'TTFT p95 ms', 'SLO met', 'served by'];

/** "between 1.09M and 1.85M tokens/day (5th–95th percentile of 24 draws); self-hosted: ops $/day moves it most". */
export function sensitivityLines(result: ScenarioResult): string[] {
  return (result.sensitivity ?? []).map((s) => {
    const interval = s.interval
      ? `between ${tokensLabel(s.interval[0])} and ${tokensLabel(s.interval[1])} tokens/day (5th–95th percentile of ${s.samples} draws of every range)`
      : `not pinned down: only ${s.samples - s.noCrossing} of ${s.samples} draws crossed in the swept range`;
    const most = s.bars[0]
      ? `; ${s.bars[0].input} moves it most (${s.bars[0].low} → ${endLabel(s.bars[0].atLow)}, ${s.bars[0].high} → ${endLabel(s.bars[0].atHigh)})`
      : '';
    return `${s.pair[0]} and ${s.pair[1]} cross ${interval}${most}`;
  });
}

const endLabel = (v: number | null) => (v === null ? 'no crossing' : tokensLabel(v));

const times = (a: number, b: number) =>
  a >= b ? `${+(a / b).toPrecision(2)}× higher` : `${+(b / a).toPrecision(2)}× lower`;

/**
 * "20 % of requests repeat an earlier one; self-hosted caches them: it saves $41.20 a day at 10M tokens/day", then each
 * crossover with the cache and without it.
 */
export function cacheLines(result: ScenarioResult): string[] {
  const effect = result.cache;
  if (!effect) return [];
  const share = `${+(effect.hitShare * 100).toFixed(1)} % of requests repeat an earlier one`;
  if (effect.caching.length === 0)
    return [`${share}, but no option's config has \`cache:\`: every option answers them upstream`];
  const top = result.sweep.at(-1) as number;
  const saved = effect.caching.map((id) => {
    const at = result.costs.find((c) => c.option === id && c.tokensPerDay === top) as PointCost;
    return `${id} saves ${usd(at.savedPico)} a day at ${tokensLabel(top)} tokens/day`;
  });
  const lines = [
    `${share}; the options that cache answer them at $0 and load no capacity with them (a request at the top level only on-prem with \`restricted: onprem_memory\`): ${saved.join('; ')}`,
  ];
  for (const x of effect.shifts) {
    const pair = `${x.pair[0]} and ${x.pair[1]}`;
    if (x.withCache === null)
      lines.push(
        `${pair} cross at ≈${tokensLabel(x.withoutCache as number)} tokens/day without the cache; with it they do not cross in the swept range`,
      );
    else if (x.withoutCache === null)
      lines.push(
        `${pair} cross at ≈${tokensLabel(x.withCache)} tokens/day with the cache; without it they do not cross in the swept range`,
      );
    else
      lines.push(
        `${pair} cross at ≈${tokensLabel(x.withCache)} tokens/day with the cache, ≈${tokensLabel(x.withoutCache)} without: the cache puts the crossover ${times(x.withCache, x.withoutCache)}`,
      );
  }
  if (effect.shifts.length === 0) lines.push('no pair crosses in the swept range, with the cache or without it');
  return lines;
}
