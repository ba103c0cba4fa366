import { openLogReader } from '../duckdb/log-reader.js';
import { decimalTextToPico } from '../duckdb/usd-decimal.js';
import { planRoute } from '../engine/planner.js';
import { NO_SPEND } from '../engine/request-facts.js';
import { costOfUsage } from '../engine/prices.js';
import type { RoutingConfig } from '../engine/routing-config.js';

/**
 * Requests and spend per route kind (`denied` for requests no route would take, `failed` for those every route failed).
 */
export type KindTotals = Record<string, { requests: number; pico: bigint }>;

export interface WhatIfResult {
  readonly requests: number;
  readonly actual: KindTotals;
  readonly whatIf: KindTotals;
  readonly actualPico: bigint;
  readonly whatIfPico: bigint;
  /** Requests the other config would send to another route kind than the one that served them. */
  readonly moved: number;
  /** Requests whose tenant the other config does not know. */
  readonly unknownTenant: number;
  /** Requests the other config would serve with a fallback model, by `requested → fallback`. */
  readonly fallbacks: Readonly<Record<string, number>>;
}

interface LoggedRequest {
  ts: string;
  tenant: string;
  endpoint: 'chat' | 'embeddings';
  requested_model: string;
  tags: string[];
  stream: boolean;
  status: number;
  route_kind: string | null;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: string;
}

const add = (totals: KindTotals, kind: string, pico: bigint) => {
  const t = (totals[kind] ??= { requests: 0, pico: 0n });
  t.requests++;
  t.pico += pico;
};

/**
 * Replays the requests a gateway recorded (their tenants, tags and token counts) through the planner with
 * another config, and prices each on the route it would have taken, beside what actually happened.
 * Requests the gateway refused count under `denied` on the actual side, those every route failed under `failed`.
 */
export async function whatIf(logPath: string, routing: RoutingConfig): Promise<WhatIfResult> {
  const reader = await openLogReader(logPath);
  let rows: LoggedRequest[];
  try {
    const result = await reader.connection.runAndReadAll(
      `SELECT ts::VARCHAR AS ts, tenant, endpoint, requested_model, tags, stream, status, route_kind, input_tokens, output_tokens, cached_tokens, cost_usd::VARCHAR AS cost_usd FROM ${reader.source} ORDER BY ts`,
    );
    rows = result.getRowObjectsJson() as unknown as LoggedRequest[];
  } finally {
    reader.close();
  }
  const actual: KindTotals = {};
  const other: KindTotals = {};
  let moved = 0;
  let unknownTenant = 0;
  const fallbacks: Record<string, number> = {};
  for (const row of rows) {
    // No route in the row: refused (4xx), or every route tried failed (5xx) — not the same thing.
    const actualKind = row.route_kind ?? (row.status >= 500 ? 'failed' : 'denied');
    add(actual, actualKind, decimalTextToPico(row.cost_usd));
    if (!routing.tenants.has(row.tenant)) unknownTenant++;
    const decision = planRoute(
      {
        tenant: row.tenant,
        model: row.requested_model,
        endpoint: row.endpoint,
        tags: row.tags,
        inputTokens: row.input_tokens,
        stream: row.stream,
        nowMs: Date.parse(row.ts),
        spend: NO_SPEND,
      },
      routing,
    );
    const served = decision.candidates[0];
    const kind = served?.kind ?? 'denied';
    if (served && served.model !== decision.model) {
      const pair = `${decision.model} → ${served.model}`;
      fallbacks[pair] = (fallbacks[pair] ?? 0) + 1;
    }
    // A request that failed upstream says nothing about where the planner sent it.
    if (actualKind !== 'failed' && kind !== actualKind) moved++;
    add(
      other,
      kind,
      served
        ? BigInt(
            costOfUsage(
              { input: row.input_tokens, output: row.output_tokens, cachedInput: row.cached_tokens },
              served.price,
            ),
          )
        : 0n,
    );
  }
  const total = (t: KindTotals) => Object.values(t).reduce((s, x) => s + x.pico, 0n);
  return {
    requests: rows.length,
    actual,
    whatIf: other,
    actualPico: total(actual),
    whatIfPico: total(other),
    moved,
    unknownTenant,
    fallbacks,
  };
}
