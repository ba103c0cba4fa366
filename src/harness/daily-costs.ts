import { usdToPico } from '../engine/money.js';
import type { PreparedOption } from './prepared-option.js';
import type { ScenarioDb } from './scenario-db.js';

/** One option at one volume: what a day costs, and where the requests went. */
export interface PointCost {
  readonly option: string;
  readonly point: number;
  readonly tokensPerDay: number;
  readonly requestsPerDay: number;
  /** Tokens actually drawn per day (the target ± sampling). */
  readonly realizedTokensPerDay: number;
  readonly tokenPico: bigint;
  readonly fixedPico: bigint;
  readonly capacityPico: bigint;
  readonly capacityUnits: readonly { name: string; units: number; max?: number }[];
  readonly totalPico: bigint;
  readonly byKind: Readonly<Record<string, number>>;
  readonly denied: number;
  readonly sensitive: number;
  readonly sensitiveOnPrem: number;
  readonly sensitiveDenied: number;
  /** Requests answered from the response cache (all days), and what they would have cost a day. */
  readonly cached: number;
  readonly savedPico: bigint;
}

const perDay = (total: bigint, days: number) => (total + BigInt(days) / 2n) / BigInt(days);

/**
 * Daily cost of each option at each volume point replayed so far, from the rows in SQL: token cost
 * (exact sums), plus fixed costs per day, plus capacity bought in steps for the peak hour's load. A route
 * priced per hour (on-prem) costs 24 hours a day for each unit a capacity step says it needs (one unit
 * when no step names it).
 */
export async function dailyCosts(
  db: ScenarioDb,
  options: readonly PreparedOption[],
  volumes: ReadonlyMap<number, number>,
  days: number,
  point?: number,
): Promise<PointCost[]> {
  const only = point === undefined ? '' : `WHERE r.point = ${Math.trunc(point)}`;
  const totals = await db.connection.runAndReadAll(`
    SELECT r.option_id, r.point, count(*)::BIGINT AS requests, sum(input_tokens + output_tokens)::BIGINT AS tokens,
           sum(cost_pico::HUGEINT)::VARCHAR AS cost,
           count(*) FILTER (WHERE r.route_id IS NULL) AS denied,
           count(*) FILTER (WHERE rt.kind = 'aggregator') AS aggregator,
           count(*) FILTER (WHERE rt.kind = 'direct') AS direct,
           count(*) FILTER (WHERE rt.kind = 'onprem') AS onprem,
           count(*) FILTER (WHERE r.sensitive) AS sensitive,
           count(*) FILTER (WHERE r.sensitive AND rt.kind = 'onprem') AS sensitive_onprem,
           count(*) FILTER (WHERE r.sensitive AND r.route_id IS NULL) AS sensitive_denied,
           count(r.saved_pico) AS cached, coalesce(sum(r.saved_pico::HUGEINT), 0)::VARCHAR AS saved
      FROM requests r LEFT JOIN routes rt ON rt.option_id = r.option_id AND rt.route_id = r.route_id
     ${only}
     GROUP BY ALL ORDER BY r.option_id, r.point`);
  // A cache's answers reach no route: they load no capacity.
  const hourly = await db.connection.runAndReadAll(`
    SELECT r.option_id, r.point, day, hour, rt.route, count(*)::BIGINT AS requests, sum(input_tokens + output_tokens)::BIGINT AS tokens
      FROM requests r LEFT JOIN routes rt ON rt.option_id = r.option_id AND rt.route_id = r.route_id
     WHERE r.saved_pico IS NULL ${only.replace('WHERE', 'AND')}
     GROUP BY ALL`);
  // Peak load per (option, point, route or all): the busiest hour's rate per second.
  const peaks = new Map<string, { requests: Map<string, number>; tokens: Map<string, number> }>();
  for (const row of hourly.getRowObjectsJson() as {
    option_id: number;
    point: number;
    day: number;
    hour: number;
    route: string | null;
    requests: string;
    tokens: string;
  }[]) {
    const key = `${row.option_id}/${row.point}`;
    const p = peaks.get(key) ?? { requests: new Map(), tokens: new Map() };
    peaks.set(key, p);
    const slot = `${row.day}/${row.hour}`;
    for (const scope of [`*@${slot}`, `${row.route}@${slot}`]) {
      p.requests.set(scope, (p.requests.get(scope) ?? 0) + Number(row.requests));
      p.tokens.set(scope, (p.tokens.get(scope) ?? 0) + Number(row.tokens));
    }
  }
  const peakRate = (key: string, metric: 'requests' | 'tokens', route: string | undefined) => {
    let max = 0;
    for (const [scope, n] of peaks.get(key)?.[metric] ?? [])
      if (scope.startsWith(`${route ?? '*'}@`)) max = Math.max(max, n);
    return max / 3600;
  };

  return (totals.getRowObjectsJson() as Record<string, string | number>[]).map((row) => {
    const option = options[Number(row.option_id)] as PreparedOption;
    const key = `${row.option_id}/${row.point}`;
    const fixedPico = option.fixedPerDay.reduce((s, f) => s + f.pico, 0n);
    const units: { name: string; units: number; max?: number }[] = [];
    let capacityPico = 0n;
    for (const c of option.capacity) {
      const rate = peakRate(key, c.metric === 'requests_per_second' ? 'requests' : 'tokens', c.route);
      const n = Math.max(1, Math.ceil(rate / c.per_unit));
      units.push({ name: c.name, units: n, ...(c.max_units === undefined ? {} : { max: c.max_units }) });
      capacityPico +=
        BigInt(n) *
        (c.unit_per_day_usd !== undefined ? usdToPico(c.unit_per_day_usd) : usdToPico(c.unit_per_hour_usd ?? 0) * 24n);
    }
    for (const route of option.routing.routes) {
      if (route.fixedPerHourPico > 0n && !option.capacity.some((c) => c.route === route.id)) {
        units.push({ name: route.id, units: 1 });
        capacityPico += route.fixedPerHourPico * 24n;
      }
    }
    const tokenPico = perDay(BigInt(row.cost as string), days);
    return {
      option: option.id,
      point: Number(row.point),
      tokensPerDay: volumes.get(Number(row.point)) as number,
      requestsPerDay: Number(row.requests) / days,
      realizedTokensPerDay: Number(row.tokens) / days,
      tokenPico,
      fixedPico,
      capacityPico,
      capacityUnits: units,
      totalPico: tokenPico + fixedPico + capacityPico,
      byKind: { aggregator: Number(row.aggregator), direct: Number(row.direct), onprem: Number(row.onprem) },
      denied: Number(row.denied),
      sensitive: Number(row.sensitive),
      sensitiveOnPrem: Number(row.sensitive_onprem),
      sensitiveDenied: Number(row.sensitive_denied),
      cached: Number(row.cached),
      savedPico: perDay(BigInt(row.saved as string), days),
    };
  });
}
