import type { DuckDBAppender, DuckDBValue } from '@duckdb/node-api';
import { DuckDBDataChunk, DuckDBDecimalValue, DuckDBTimestampTZValue, listValue } from './duckdb-api.js';
import type { LogRow } from './log-row.js';

/**
 * The decision log's table in DuckDB: its columns, as the appender writes them and as DuckDB's JSON reader reads
 * the write-ahead lines (`log-row.ts` holds the row and its line; this module is loaded only where DuckDB runs).
 */

interface Column<T> {
  readonly name: string;
  readonly sql: string;
  /** The value as the appender takes it (null for an absent optional). */
  value(v: T): DuckDBValue;
  /** How a write-ahead line's field becomes the column in SQL, where it is not the field as the column's type. */
  readonly fromLine?: { readonly json: string; readonly expr: (field: string) => string };
}

const text = (name: string): Column<string> => ({ name, sql: 'VARCHAR NOT NULL', value: (v) => v });
const optionalText = (name: string): Column<string | undefined> => ({ name, sql: 'VARCHAR', value: (v) => v ?? null });
const textList = (name: string): Column<readonly string[]> => ({
  name,
  sql: 'VARCHAR[] NOT NULL',
  value: (v) => listValue([...v]),
});
const integer = (name: string): Column<number> => ({ name, sql: 'INTEGER NOT NULL', value: (v) => v });
const bool = (name: string): Column<boolean> => ({ name, sql: 'BOOLEAN NOT NULL', value: (v) => v });

/** The one column table: the DDL, the appender's order and the row type all follow it. */
const COLUMNS: { readonly [K in keyof Required<LogRow>]: Column<LogRow[K]> } = {
  ts: {
    name: 'ts',
    sql: 'TIMESTAMPTZ NOT NULL',
    value: (v) => new DuckDBTimestampTZValue(BigInt(Math.trunc(v)) * 1000n),
    fromLine: { json: 'DOUBLE', expr: (f) => `make_timestamptz(trunc(${f})::BIGINT * 1000)` },
  },
  requestId: text('request_id'),
  tenant: text('tenant'),
  endpoint: text('endpoint'),
  requestedModel: text('requested_model'),
  model: text('model'),
  upstreamModel: optionalText('upstream_model'),
  route: optionalText('route'),
  routeKind: optionalText('route_kind'),
  tags: textList('tags'),
  sensitivity: text('sensitivity'),
  residency: {
    name: 'residency',
    sql: 'VARCHAR[] NOT NULL',
    value: (v) => listValue([...(v ?? [])]),
    fromLine: { json: 'VARCHAR[]', expr: (f) => `coalesce(${f}, []::VARCHAR[])` },
  },
  rules: textList('rules'),
  stream: bool('stream'),
  status: integer('status'),
  errorCode: optionalText('error_code'),
  attempts: { name: 'attempts', sql: 'JSON NOT NULL', value: (v) => JSON.stringify(v) },
  ttftMs: { name: 'ttft_ms', sql: 'DOUBLE', value: (v) => v ?? null },
  latencyMs: { name: 'latency_ms', sql: 'DOUBLE NOT NULL', value: (v) => v },
  inputTokens: integer('input_tokens'),
  outputTokens: integer('output_tokens'),
  cachedTokens: integer('cached_tokens'),
  reasoningTokens: integer('reasoning_tokens'),
  costPico: {
    name: 'cost_usd',
    sql: 'DECIMAL(38, 12) NOT NULL',
    value: (v) => new DuckDBDecimalValue(v, 38, 12),
    // Pico-dollars as text (a bigint), times 10⁻¹²: a DECIMAL product, exact (a division would be a DOUBLE).
    fromLine: { json: 'VARCHAR', expr: (f) => `${f}::HUGEINT::DECIMAL(38, 0) * 0.000000000001::DECIMAL(38, 12)` },
  },
  estimated: bool('estimated'),
  rowProblem: optionalText('row_problem'),
  instance: optionalText('instance'),
  callerRequestId: optionalText('caller_request_id'),
  keyId: optionalText('key_id'),
  excluded: { name: 'excluded', sql: 'JSON', value: (v) => (v === undefined ? null : JSON.stringify(v)) },
  expectedCostUsd: { name: 'expected_cost_usd', sql: 'DOUBLE', value: (v) => v ?? null },
  cache: optionalText('cache'),
  savedUsd: { name: 'saved_usd', sql: 'DOUBLE', value: (v) => v ?? null },
  redactedCount: { name: 'redacted_count', sql: 'INTEGER', value: (v) => v ?? null },
  redactedKinds: {
    name: 'redacted_kinds',
    sql: 'VARCHAR[]',
    value: (v) => (v === undefined ? null : listValue([...(v as string[])])),
  },
};
const ORDERED = Object.entries(COLUMNS) as [keyof LogRow, Column<unknown>][];

export const LOG_TABLE_DDL = `CREATE TABLE IF NOT EXISTS requests (\n${ORDERED.map(([, c]) => `  ${c.name} ${c.sql}`).join(',\n')}\n)`;

/**
 * Appends rows column by column, as one DuckDB data chunk: numbers and flags are written into the chunk's
 * vectors without a native call per value, which the appender's value-at-a-time calls cost (≈12 µs a row
 * against ≈5 µs, `benchmarks/RESULTS.md`), a chunk of at most 2,048 rows (DuckDB's vector size) at a time.
 */
export function appendLogRows(appender: DuckDBAppender, rows: readonly LogRow[]): void {
  const types = ORDERED.map((_, i) => appender.columnType(i));
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const part = rows.slice(start, start + CHUNK_ROWS);
    const chunk = DuckDBDataChunk.create(types, part.length);
    chunk.setColumns(ORDERED.map(([field, column]) => part.map((row) => column.value(row[field]))));
    appender.appendDataChunk(chunk);
  }
}

const CHUNK_ROWS = 2048;

const quoted = (p: string) => `'${p.replace(/'/g, "''")}'`;

/**
 * The rows of write-ahead segment files as a relation with the table's columns: DuckDB's JSON reader makes the lines
 * columns, ≈2.5 times cheaper a row than parsing them in JavaScript and appending them (`benchmarks/RESULTS.md`).
 * The lines are `rowToLine`'s; a torn one (a killed writer's last) reads as nothing.
 */
export function rowsOfLines(files: readonly string[]): string {
  const json = ORDERED.map(([key, c]) => `"${key}": '${c.fromLine?.json ?? c.sql.replace(' NOT NULL', '')}'`);
  const select = ORDERED.map(([key, c]) => `${c.fromLine?.expr(`"${key}"`) ?? `"${key}"`} AS ${c.name}`);
  return `(SELECT ${select.join(', ')} FROM read_json([${files.map(quoted).join(', ')}],
    format = 'newline_delimited', ignore_errors = true, columns = {${json.join(', ')}}) WHERE "requestId" IS NOT NULL)`;
}

/** The SQL that reads a log: a directory of Parquet segments, one Parquet file, or a DuckDB file. */
export function logSource(path: string): string {
  if (path.endsWith('.duckdb') || path.endsWith('.db')) return `(SELECT * FROM read_log.requests)`;
  if (path.endsWith('.parquet')) return `read_parquet(${quoted(path)})`;
  return `read_parquet(${quoted(`${path.replace(/\/$/, '')}/*.parquet`)}, union_by_name = true)`;
}
