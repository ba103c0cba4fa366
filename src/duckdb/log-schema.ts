import {
  DuckDBDataChunk,
  DuckDBTimestampTZValue,
  listValue,
  type DuckDBAppender,
  type DuckDBValue,
} from '@duckdb/node-api';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Frozen } from '../engine/frozen.js';
import { picoToDecimal } from './usd-decimal.js';

/**
 * The decision log: one row per request through the gateway, never any prompt or completion text.
 * Written by the gateway (src/gateway/record/duckdb-decision-sink.ts) to Parquet segments that any process
 * can read; read by `report spend`, `whatif` and the ledger on restart.
 */
/** DuckDB's INTEGER: a count outside it cannot be appended. */
const INT32_MAX = 2_147_483_647;
const Count = Type.Integer({ minimum: 0, maximum: INT32_MAX });
export const LogRowSchema = Type.Object({
  ts: Type.Number({ description: 'epoch ms the request arrived' }),
  requestId: Type.String(),
  tenant: Type.String(),
  endpoint: Type.String(),
  requestedModel: Type.String(),
  model: Type.String(),
  upstreamModel: Type.Optional(Type.String()),
  route: Type.Optional(Type.String()),
  routeKind: Type.Optional(Type.String()),
  tags: Type.Array(Type.String()),
  sensitivity: Type.String(),
  /** The residency rules the request was under (`eu`, `eu|ch`); none when its data could go anywhere. */
  residency: Type.Optional(Type.Array(Type.String())),
  rules: Type.Array(Type.String()),
  stream: Type.Boolean(),
  status: Type.Integer(),
  errorCode: Type.Optional(Type.String()),
  attempts: Type.Array(
    Type.Object({ route: Type.String(), status: Type.Union([Type.Integer(), Type.String()]), ms: Type.Number() }),
  ),
  ttftMs: Type.Optional(Type.Number()),
  latencyMs: Type.Number(),
  inputTokens: Count,
  outputTokens: Count,
  cachedTokens: Count,
  reasoningTokens: Count,
  costPico: Type.BigInt({ minimum: 0n }),
  estimated: Type.Boolean(),
  /** Why a value of this row was replaced before it was written (a count out of range, a time not finite). */
  rowProblem: Type.Optional(Type.String()),
  /** The gateway instance that served it (`host:pid`), so the logs of several instances read as one. */
  instance: Type.Optional(Type.String()),
  /** The caller's own `x-request-id`; `requestId` is always the gateway's, unique per request. */
  callerRequestId: Type.Optional(Type.String()),
  /** The store's virtual key the request came with (its id, never the key); none for a config tenant key. */
  keyId: Type.Optional(Type.String()),
  /** What the response cache did: `hit`, `miss` or `bypass`; none without a cache. */
  cache: Type.Optional(Type.String()),
  /** What a cache hit saved: the kept answer's cost when it was made, USD. */
  savedUsd: Type.Optional(Type.Number()),
  /** How many values redaction masked in the request, and their kinds; never a value. */
  redactedCount: Type.Optional(Count),
  redactedKinds: Type.Optional(Type.Array(Type.String())),
  /** Every route the planner left out, and why: what the dashboard's decision view explains. */
  excluded: Type.Optional(
    Type.Array(Type.Object({ route: Type.String(), reason: Type.String(), detail: Type.String() })),
  ),
  /** What the planner expected the route that served to cost (USD), against `costPico`, what it did. */
  expectedCostUsd: Type.Optional(Type.Number()),
});
export type LogRow = Frozen<Static<typeof LogRowSchema>>;

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
    value: (v) => picoToDecimal(v),
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

const COUNTS = ['inputTokens', 'outputTokens', 'cachedTokens', 'reasoningTokens'] as const;

/**
 * The row as the log can take it: every count a non-negative INTEGER, every time finite, the cost not
 * negative. A value that is not is replaced (0, or the nearest bound) and the row says so in `rowProblem`,
 * so one bad row is kept, flagged, and never leaves the appender half-way through a row.
 */
export function loggableRow(row: LogRow): LogRow {
  const problems: string[] = [];
  const fixed: { -readonly [K in keyof LogRow]: LogRow[K] } = { ...row };
  for (const field of COUNTS) {
    const v = row[field];
    if (Number.isInteger(v) && v >= 0 && v <= INT32_MAX) continue;
    fixed[field] = Number.isFinite(v) ? Math.min(INT32_MAX, Math.max(0, Math.round(v))) : 0;
    problems.push(`${field} ${v}`);
  }
  for (const field of ['ts', 'latencyMs'] as const) {
    if (Number.isFinite(row[field])) continue;
    fixed[field] = 0;
    problems.push(`${field} ${row[field]}`);
  }
  if (row.ttftMs !== undefined && !Number.isFinite(row.ttftMs)) {
    delete fixed.ttftMs;
    problems.push(`ttftMs ${row.ttftMs}`);
  }
  if (!Number.isInteger(row.status) || row.status < 0 || row.status > INT32_MAX) {
    fixed.status = 0;
    problems.push(`status ${row.status}`);
  }
  if (row.costPico < 0n) {
    fixed.costPico = 0n;
    problems.push(`costPico ${row.costPico}`);
  }
  if (problems.length === 0) return row;
  fixed.rowProblem = [row.rowProblem, ...problems].filter(Boolean).join('; ');
  return fixed;
}

/** A row as one line of text (the write-ahead segment), and back. */
// The one bigint is made a string first: a replacer function would be called for every key and value.
export const rowToLine = (row: LogRow): string => JSON.stringify({ ...row, costPico: row.costPico.toString() });
/** A line `rowToLine` wrote in this process, read back unchecked (it throws on text that is not JSON). */
export function trustedRowFromLine(line: string): LogRow {
  const parsed = JSON.parse(line) as LogRow & { costPico: string };
  return { ...parsed, costPico: BigInt(parsed.costPico) };
}
/** A line from a file (a write-ahead segment a killed process left): undefined when it is not a whole row. */
export function rowFromLine(line: string): LogRow | undefined {
  try {
    const row = trustedRowFromLine(line);
    return Value.Check(LogRowSchema, row) ? row : undefined;
  } catch {
    return undefined;
  }
}

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
