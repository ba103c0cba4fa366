import { openLogReader } from '../duckdb/log-reader.js';
import type { RecordedRequests } from './generate-traffic.js';
import type { Traffic, TokenDistribution } from './scenario-schema.js';

const DAY_MS = 86_400_000;

/** What a gateway's decision log says its traffic is: a profile fitted to it, and the requests themselves. */
export interface LoggedTraffic {
  readonly traffic: Traffic;
  readonly recorded: RecordedRequests;
  /** Tokens a day over the window the log covers. */
  readonly tokensPerDay: number;
  readonly requests: number;
}

interface Row {
  model: string;
  tenant: string;
  tags: string[] | null;
  hour: number;
  stream: boolean;
  input_tokens: number;
  output_tokens: number;
  at: string;
  hit: boolean;
}

/** A lognormal with the sample's mean and the spread of its logarithms (what the generator draws from). */
function fit(values: readonly number[]): TokenDistribution {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return { mean: 1 };
  const mean = positive.reduce((s, v) => s + v, 0) / positive.length;
  const logs = positive.map(Math.log);
  const mu = logs.reduce((s, v) => s + v, 0) / logs.length;
  const sigma = Math.sqrt(logs.reduce((s, v) => s + (v - mu) ** 2, 0) / logs.length);
  return {
    mean: Math.round(mean * 10) / 10,
    ...(sigma > 0.005 ? { sigma: Math.min(3, Math.round(sigma * 1000) / 1000) } : { sigma: 0 }),
  };
}

const share = (n: number, total: number) => Math.round((n / total) * 1e6) / 1e6;

/**
 * Reads the requests a gateway recorded (its decision log, every instance's segments) since `sinceMs`: the model
 * each asked for, its tenant, tags, hour, whether it streamed and its token counts. Requests refused before they
 * named a model are left out.
 */
export async function readLoggedTraffic(dir: string, sinceMs?: number): Promise<LoggedTraffic> {
  const reader = await openLogReader(dir);
  let rows: Row[];
  try {
    const since = sinceMs === undefined ? '' : `AND ts >= '${new Date(sinceMs).toISOString()}'::TIMESTAMPTZ`;
    // A log written before the response cache has no `cache` column: none of its requests was a hit.
    const columns = await reader.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${reader.source}`);
    const hasCache = columns.getRowObjectsJson().some((c) => c.column_name === 'cache');
    const result = await reader.connection.runAndReadAll(
      `SELECT requested_model AS model, tenant, tags, hour(ts AT TIME ZONE 'UTC')::INTEGER AS hour, stream, input_tokens, output_tokens, epoch_ms(ts)::VARCHAR AS at,
              ${hasCache ? "coalesce(cache = 'hit', false)" : 'false'} AS hit
         FROM ${reader.source} WHERE requested_model <> '' ${since} ORDER BY ts`,
    );
    rows = result.getRowObjectsJson() as unknown as Row[];
  } finally {
    reader.close();
  }
  if (rows.length === 0)
    throw new Error(`${dir}: no requests in the log${sinceMs === undefined ? '' : ' in that window'}`);
  const index = <T>(values: T[], key: (v: T) => string) => {
    const ids = new Map<string, number>();
    for (const v of values) if (!ids.has(key(v))) ids.set(key(v), ids.size);
    return ids;
  };
  const tagKey = (r: Row) => [...(r.tags ?? [])].sort().join(',');
  // Index 0 is the untagged set, as the generator expects.
  const tagIds = index([{ tags: [] } as unknown as Row, ...rows], tagKey);
  const modelIds = index(rows, (r) => r.model);
  const tenantIds = index(rows, (r) => r.tenant);
  const n = rows.length;
  const recorded: RecordedRequests = {
    count: n,
    model: Uint8Array.from(rows, (r) => modelIds.get(r.model) as number),
    tenant: Uint8Array.from(rows, (r) => tenantIds.get(r.tenant) as number),
    tagset: Uint8Array.from(rows, (r) => tagIds.get(tagKey(r)) as number),
    hour: Uint8Array.from(rows, (r) => r.hour),
    stream: Uint8Array.from(rows, (r) => (r.stream ? 1 : 0)),
    input: Uint32Array.from(rows, (r) => r.input_tokens),
    output: Uint32Array.from(rows, (r) => r.output_tokens),
    cached: Uint8Array.from(rows, (r) => (r.hit ? 1 : 0)),
  };
  const count = (ids: Map<string, number>, of: Uint8Array) => {
    const c = new Array<number>(ids.size).fill(0);
    for (const i of of) c[i]!++;
    return [...ids.keys()].map((k, i) => [k, c[i] as number] as const);
  };
  const hourly = new Array<number>(24).fill(0);
  for (const h of recorded.hour) hourly[h]!++;
  const tokensOf = (model: string, field: 'input_tokens' | 'output_tokens') =>
    rows.filter((r) => r.model === model).map((r) => r[field]);
  const models = count(modelIds, recorded.model);
  const traffic: Traffic = {
    models: Object.fromEntries(models.map(([m, c]) => [m, share(c, n)])),
    input_tokens: fit(rows.map((r) => r.input_tokens)),
    output_tokens: fit(rows.map((r) => r.output_tokens)),
    tokens_by_model: Object.fromEntries(
      models.map(([m]) => [
        m,
        { input_tokens: fit(tokensOf(m, 'input_tokens')), output_tokens: fit(tokensOf(m, 'output_tokens')) },
      ]),
    ),
    tags: count(tagIds, recorded.tagset)
      .filter(([k, c]) => k !== '' && c > 0)
      .map(([k, c]) => ({ tags: k.split(','), share: share(c, n) })),
    tenants: Object.fromEntries(count(tenantIds, recorded.tenant).map(([t, c]) => [t, share(c, n)])),
    hourly: hourly.map((h) => share(h, n)),
    stream_share: share(
      recorded.stream.reduce((s, v) => s + v, 0),
      n,
    ),
  };
  const hits = recorded.cached.reduce((s, v) => s + v, 0);
  if (hits > 0) traffic.cache_hit_share = share(hits, n);
  if (traffic.tags?.length === 0) delete traffic.tags;
  const span = Math.max((Number(rows.at(-1)!.at) - Number(rows[0]!.at)) / DAY_MS, 1 / 24);
  const tokens = rows.reduce((s, r) => s + r.input_tokens + r.output_tokens, 0);
  return { traffic, recorded, tokensPerDay: Math.round(tokens / span), requests: n };
}
