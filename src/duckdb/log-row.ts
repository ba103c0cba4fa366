import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Frozen } from '../engine/frozen.js';

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

/** A row as one line of text (the write-ahead segment), named by `instance` when given, and back. */
export function rowToLine(row: LogRow, instance = row.instance): string {
  // The one bigint is made a string first: a replacer function would be called for every key and value.
  if (row.instance !== undefined || instance === undefined)
    return JSON.stringify({ ...row, instance, costPico: row.costPico.toString() });
  // A row without its instance (the gateway's own) gets it as text: a spread that adds a key the row lacks takes V8's
  // slow path, and cost as much as the JSON itself (≈1.5 µs a row; issue 32).
  const json = JSON.stringify({ ...row, costPico: row.costPico.toString() });
  return `${json.slice(0, -1)},"instance":${JSON.stringify(instance)}}`;
}
/** A line `rowToLine` wrote in this process, read back unchecked (it throws on text that is not JSON). */
function trustedRowFromLine(line: string): LogRow {
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
