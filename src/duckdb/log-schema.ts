/**
 * The decision log: one row per request through the gateway, never any prompt or completion text.
 * Written by the gateway (src/server/decision-log.ts) to Parquet segments that any process can read;
 * read by `report spend`, `whatif` and the ledger on restart.
 */
export const LOG_TABLE_DDL = `CREATE TABLE IF NOT EXISTS requests (
  ts TIMESTAMPTZ NOT NULL,
  request_id VARCHAR NOT NULL,
  tenant VARCHAR NOT NULL,
  endpoint VARCHAR NOT NULL,
  requested_model VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  upstream_model VARCHAR,
  route VARCHAR,
  route_kind VARCHAR,
  tags VARCHAR[] NOT NULL,
  sensitivity VARCHAR NOT NULL,
  rules VARCHAR[] NOT NULL,
  stream BOOLEAN NOT NULL,
  status INTEGER NOT NULL,
  error_code VARCHAR,
  attempts JSON NOT NULL,
  ttft_ms DOUBLE,
  latency_ms DOUBLE NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cached_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  cost_usd DECIMAL(38, 12) NOT NULL,
  estimated BOOLEAN NOT NULL
)`;

export interface LogRow {
  readonly ts: number;
  readonly requestId: string;
  readonly tenant: string;
  readonly endpoint: string;
  readonly requestedModel: string;
  readonly model: string;
  readonly upstreamModel?: string;
  readonly route?: string;
  readonly routeKind?: string;
  readonly tags: readonly string[];
  readonly sensitivity: string;
  readonly rules: readonly string[];
  readonly stream: boolean;
  readonly status: number;
  readonly errorCode?: string;
  readonly attempts: readonly { route: string; status: number | string; ms: number }[];
  readonly ttftMs?: number;
  readonly latencyMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens: number;
  readonly reasoningTokens: number;
  readonly costPico: bigint;
  readonly estimated: boolean;
}

/** The SQL that reads a log: a directory of Parquet segments, one Parquet file, or a DuckDB file. */
export function logSource(path: string): string {
  const quoted = (p: string) => `'${p.replace(/'/g, "''")}'`;
  if (path.endsWith('.duckdb') || path.endsWith('.db')) return `(SELECT * FROM read_log.requests)`;
  if (path.endsWith('.parquet')) return `read_parquet(${quoted(path)})`;
  return `read_parquet(${quoted(`${path.replace(/\/$/, '')}/*.parquet`)}, union_by_name = true)`;
}
