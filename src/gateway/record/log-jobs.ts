import { existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '../../duckdb/duckdb-api.js';
import { appendLogRows, LOG_TABLE_DDL, logSource, rowsOfLines } from '../../duckdb/log-schema.js';
import { KEY_HOLDER_PREFIX } from '../state/holders.js';
import { compactPastDays } from './compact-segments.js';
import { removeSegment, segmentPath, walDirOf, wholeLines } from './write-ahead-log.js';

/**
 * What the decision log asks of DuckDB, each run in a process of its own (`run-log-job.ts`): the gateway writes
 * lines, and DuckDB — its library, its buffers, a native crash — never lives in the serving process.
 */
export type LogJob =
  /** Replays the dead writers' segments `orphans` into Parquet, then merges the past days' segments. */
  | { kind: 'open'; dir: string; orphans: readonly string[]; nowMs: number; duckdb: DuckDbSettings }
  /** Sealed write-ahead segments into one Parquet segment named after the last; merges past days if `compact`. */
  | { kind: 'roll'; dir: string; segments: readonly string[]; nowMs: number; compact: boolean; duckdb: DuckDbSettings }
  /** The rows of write-ahead segments, as DuckDB reads them (for `/admin/log/live`). */
  | { kind: 'live'; dir: string; segments: readonly string[]; duckdb: DuckDbSettings }
  /** Each tenant's and virtual key's spend this UTC day and month, from every segment in `dir`. */
  | { kind: 'restore'; dir: string; nowMs: number };

/** DuckDB's own memory limit and threads (it sizes itself to the machine otherwise). */
export interface DuckDbSettings {
  readonly memoryLimit: string;
  readonly threads: number;
}

/** What a job says back: its answer, and what the gateway should warn about (skipped lines). */
export interface LogJobResult {
  readonly warnings: string[];
  readonly rows?: Record<string, unknown>[];
  readonly spend?: HolderSpend[];
}
/** Spend as DuckDB's exact DECIMAL text. */
export interface HolderSpend {
  readonly holder: string;
  readonly daily: string | null;
  readonly monthly: string | null;
}

export async function runJob(job: LogJob): Promise<LogJobResult> {
  const settings = job.kind === 'restore' ? undefined : job.duckdb;
  const instance = await DuckDBInstance.create(
    ':memory:',
    settings ? { memory_limit: settings.memoryLimit, threads: String(settings.threads) } : {},
  );
  const connection = await instance.connect();
  try {
    await connection.run(LOG_TABLE_DDL);
    switch (job.kind) {
      case 'open': {
        const warnings = await recoverOrphans(connection, job.dir, job.orphans, job.nowMs);
        await compactPastDays(connection, job.dir, job.nowMs);
        return { warnings };
      }
      case 'roll':
        await writeSegment(connection, linesOf(job.dir, job.segments), job.dir, job.nowMs, job.segments.at(-1)!);
        if (job.compact) await compactPastDays(connection, job.dir, job.nowMs);
        return { warnings: [] };
      case 'live': {
        const reader = await connection.runAndReadAll(
          `SELECT * EXCLUDE (cost_usd), cost_usd::VARCHAR AS cost_usd FROM ${linesOf(job.dir, job.segments)} ORDER BY ts`,
        );
        return { warnings: [], rows: reader.getRowObjectsJson() as Record<string, unknown>[] };
      }
      case 'restore':
        return { warnings: [], spend: await spendOf(connection, job.dir, job.nowMs) };
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The row checks (TypeBox) that only `open` and `restore` use, loaded when they run: a roll, the common job, starts
 * in a new process every time, and TypeBox's modules took 150 ms of its 0.9 s of CPU on the gateway's core.
 */
const rowChecks = () => import('../../duckdb/log-row.js');

const linesOf = (dir: string, segments: readonly string[]) =>
  rowsOfLines(segments.map((id) => segmentPath(walDirOf(dir), id)));

/** Rows (a relation: a table, `rowsOfLines`) as a Parquet segment named after the write-ahead segment it replaces. */
async function writeSegment(
  connection: DuckDBConnection,
  rows: string,
  dir: string,
  nowMs: number,
  segmentId: string,
): Promise<void> {
  const final = join(dir, `requests-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}-${segmentId}.parquet`);
  const temporary = `${final}.tmp`;
  await connection.run(`COPY (SELECT * FROM ${rows}) TO '${temporary.replace(/'/g, "''")}' (FORMAT parquet)`);
  renameSync(temporary, final);
}

/**
 * Write-ahead segments a killed gateway left behind become Parquet segments, before anything reads the log (the
 * ledger is restored from it next). A segment whose Parquet file was written before the kill is only removed; a
 * line cut off by the kill, or one that is not a row, is skipped and counted.
 */
async function recoverOrphans(
  connection: DuckDBConnection,
  dir: string,
  orphans: readonly string[],
  nowMs: number,
): Promise<string[]> {
  const { loggableRow, rowFromLine } = await rowChecks();
  const walDir = walDirOf(dir);
  const parquet = readdirSync(dir).filter((f) => f.endsWith('.parquet'));
  const warnings: string[] = [];
  for (const id of orphans) {
    const lines = wholeLines(segmentPath(walDir, id));
    if (!parquet.some((f) => f.endsWith(`-${id}.parquet`)) && lines.length > 0) {
      const appender = await connection.createAppender('requests');
      const rows = lines.map(rowFromLine);
      appendLogRows(appender, rows.filter((row) => row !== undefined).map(loggableRow));
      const skipped = rows.filter((row) => row === undefined).length;
      appender.closeSync();
      if (skipped > 0) warnings.push(`${skipped} unreadable line(s) in write-ahead segment ${id} skipped`);
      await writeSegment(connection, 'requests', dir, nowMs, id);
      await connection.run('DELETE FROM requests');
    }
    await removeSegment(walDir, id);
  }
  return warnings;
}

const DAY_MS = 86_400_000;

/**
 * The spend in the Parquet segments and the write-ahead segments not yet rolled into one (a running instance's
 * last minute, a killed one's last rows), every instance's that writes to `dir`. A row can be in both for a moment
 * (rolled, its write-ahead segment not yet removed): rows are counted once.
 */
async function spendOf(connection: DuckDBConnection, dir: string, nowMs: number): Promise<HolderSpend[]> {
  const hasParquet = readdirSync(dir).some((f) => f.endsWith('.parquet'));
  const dayStart = new Date(Math.floor(nowMs / DAY_MS) * DAY_MS).toISOString();
  const monthStart = `${new Date(nowMs).toISOString().slice(0, 7)}-01T00:00:00Z`;
  const { loggableRow, rowFromLine } = await rowChecks();
  const appender = await connection.createAppender('requests');
  const walRows = writeAheadLines(walDirOf(dir))
    .map(rowFromLine)
    .filter((row) => row !== undefined);
  appendLogRows(appender, walRows.map(loggableRow));
  appender.closeSync();
  // Each request is counted once, by the gateway's own id (unique per request; a caller's x-request-id is kept
  // apart and never used here). Segments written before keys existed have no key_id: read as none.
  const keyId =
    hasParquet && !(await hasColumn(connection, logSource(dir), 'key_id')) ? 'NULL::VARCHAR AS key_id' : 'key_id';
  const columns = `request_id, ts, tenant, cost_usd, ${keyId}`;
  const all = hasParquet
    ? `SELECT ${columns} FROM ${logSource(dir)} UNION ALL SELECT request_id, ts, tenant, cost_usd, key_id FROM requests`
    : 'SELECT request_id, ts, tenant, cost_usd, key_id FROM requests';
  const rows = `SELECT DISTINCT ON (request_id) * FROM (${all})`;
  // Each tenant's spend, and each virtual key's under its own name beside it (`key/<id>`).
  const result = await connection.runAndReadAll(
    `WITH month AS (SELECT * FROM (${rows}) WHERE ts >= '${monthStart}'::TIMESTAMPTZ)
     SELECT holder,
            (sum(cost_usd) FILTER (WHERE ts >= '${dayStart}'::TIMESTAMPTZ))::VARCHAR AS daily,
            sum(cost_usd)::VARCHAR AS monthly
       FROM (SELECT tenant AS holder, ts, cost_usd FROM month
             UNION ALL SELECT '${KEY_HOLDER_PREFIX}' || key_id, ts, cost_usd FROM month WHERE key_id IS NOT NULL)
      GROUP BY holder`,
  );
  return result.getRowObjectsJson() as unknown as HolderSpend[];
}

/** Whether any segment of the log has the column. */
async function hasColumn(connection: DuckDBConnection, source: string, column: string): Promise<boolean> {
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  return (described.getRowObjectsJson() as { column_name: string }[]).some((c) => c.column_name === column);
}

/** Every whole line of the write-ahead segments. */
function writeAheadLines(walDir: string): string[] {
  if (!existsSync(walDir)) return [];
  return readdirSync(walDir)
    .filter((f) => f.endsWith('.ndjson'))
    .flatMap((f) => wholeLines(join(walDir, f)));
}
