import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { appendLogRows, LOG_TABLE_DDL, logSource } from '../duckdb/log-schema.js';
import { rowFromLine } from '../duckdb/log-row.js';
import { wholeLines } from '../gateway/record/write-ahead-log.js';
import type { DecisionFilters, SpendDimension, SpendRange } from '../gateway/dashboard/log-queries.js';

const RANGE_MS: Record<SpendRange, number> = { day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 };

const DIMENSION_SQL: Record<SpendDimension, string> = {
  tenant: 'tenant',
  key: "coalesce(key_id, '(tenant key)')",
  model: 'model',
  route: "coalesce(route, '(none)')",
  tag: "coalesce(tag, '(untagged)')",
};

const quoted = (p: string) => `'${p.replace(/'/g, "''")}'`;

/**
 * The decision log as one relation for the dashboard's queries, read in the query thread: the Parquet segments
 * and the rows still only in the write-ahead segments (the last minute), each request once.
 */
export class LogRelation {
  /** The write-ahead segments last read, by name and size: read again only when they change. */
  private walSeen = '';

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly dir: string,
    private readonly walDir: string,
  ) {}

  /** The Parquet segments whose hourly spend is in `rollup` (a segment never changes; compaction replaces it). */
  private readonly rolled = new Set<string>();

  static async open(connection: DuckDBConnection, dir: string, walDir: string): Promise<LogRelation> {
    await connection.run(LOG_TABLE_DDL.replace('CREATE TABLE IF NOT EXISTS requests', 'CREATE TEMP TABLE recent'));
    await connection.run(
      `CREATE TEMP TABLE rollup (file VARCHAR, ts TIMESTAMPTZ, tenant VARCHAR, key_id VARCHAR, model VARCHAR,
         route VARCHAR, tags VARCHAR[], usd DOUBLE, requests BIGINT, tokens DOUBLE)`,
    );
    return new LogRelation(connection, dir, walDir);
  }

  /** The segments on disk now, by path. */
  private segments(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.parquet'))
      .sort()
      .map((f) => join(this.dir, f));
  }

  /**
   * Adds the hourly spend of at most `most` segments not yet rolled up, and forgets segments gone (compacted):
   * true when every segment on disk is rolled up. A segment is read once, whatever the spend pages ask later.
   */
  async rollUp(most = Infinity): Promise<boolean> {
    const files = this.segments();
    const gone = [...this.rolled].filter((f) => !files.includes(f));
    if (gone.length > 0) {
      await this.connection.run(`DELETE FROM rollup WHERE file IN (${gone.map(quoted).join(', ')})`);
      for (const f of gone) this.rolled.delete(f);
    }
    const fresh = files.filter((f) => !this.rolled.has(f));
    for (const file of fresh.slice(0, most)) {
      const source = `read_parquet(${quoted(file)})`;
      const described = await this.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      const columns = new Set((described.getRowObjectsJson() as { column_name: string }[]).map((c) => c.column_name));
      // Segments written before keys existed have no key_id.
      const keyId = columns.has('key_id') ? 'key_id' : 'NULL::VARCHAR';
      await this.connection.run(
        `INSERT INTO rollup SELECT ${quoted(file)}, date_trunc('hour', ts), tenant, ${keyId}, model, route, tags,
           sum(cost_usd)::DOUBLE, count(*), sum(input_tokens + output_tokens)::DOUBLE FROM ${source} GROUP BY ALL`,
      );
      this.rolled.add(file);
    }
    return fresh.length <= most;
  }

  /**
   * Spend by the hour: the segments' rollup and the last minute's rows (each request once), with the columns
   * `spendSql` groups by. Every segment is rolled up first.
   */
  async spendSource(): Promise<string> {
    await this.readWriteAhead();
    await this.rollUp();
    const recentOnly =
      this.rolled.size === 0
        ? 'recent'
        : `(SELECT * FROM recent WHERE request_id NOT IN (
        SELECT request_id FROM ${logSource(this.dir)} WHERE ts >= (SELECT coalesce(min(ts), now()) FROM recent)))`;
    return `(SELECT ts, tenant, key_id, model, route, tags, usd, requests, tokens FROM rollup UNION ALL
      SELECT date_trunc('hour', ts), tenant, key_id, model, route, tags, sum(cost_usd)::DOUBLE, count(*),
             sum(input_tokens + output_tokens)::DOUBLE FROM ${recentOnly} GROUP BY ALL)`;
  }

  /** The SQL relation of every logged request: call before each query (it picks up new rows and segments). */
  async source(): Promise<string> {
    await this.readWriteAhead();
    const hasParquet = existsSync(this.dir) && readdirSync(this.dir).some((f) => f.endsWith('.parquet'));
    if (!hasParquet) return 'recent';
    const parquet = logSource(this.dir);
    // A row can be in both for a moment (rolled, its write-ahead segment not yet removed): the segment's wins.
    return `(SELECT * FROM ${parquet} UNION ALL BY NAME
      SELECT * FROM recent WHERE request_id NOT IN (
        SELECT request_id FROM ${parquet} WHERE ts >= (SELECT coalesce(min(ts), now()) FROM recent)))`;
  }

  private async readWriteAhead(): Promise<void> {
    const files = existsSync(this.walDir)
      ? readdirSync(this.walDir)
          .filter((f) => f.endsWith('.ndjson'))
          .sort()
      : [];
    const seen = files.map((f) => `${f}:${statSync(join(this.walDir, f)).size}`).join(',');
    if (seen === this.walSeen) return;
    this.walSeen = seen;
    const rows = files.flatMap((f) =>
      wholeLines(join(this.walDir, f))
        .map(rowFromLine)
        .filter((row) => row !== undefined),
    );
    await this.connection.run('DELETE FROM recent');
    const appender = await this.connection.createAppender('recent');
    appendLogRows(appender, rows);
    appender.closeSync();
  }
}

/** The WHERE clause and its values for the decisions page's filters. */
export function decisionWhere(f: DecisionFilters): { sql: string; values: DuckDBValue[] } {
  const parts: string[] = [];
  const values: DuckDBValue[] = [];
  const eq = (column: string, value: string | undefined) => {
    if (value === undefined || value === '') return;
    values.push(value);
    parts.push(`${column} = $${values.length}`);
  };
  eq('tenant', f.tenant);
  eq('model', f.model);
  eq('route', f.route);
  eq('sensitivity', f.level);
  if (f.tag) {
    values.push(f.tag);
    parts.push(`list_contains(tags, $${values.length})`);
  }
  if (f.outcome === 'ok') parts.push('status < 400');
  else if (f.outcome === 'error') parts.push('status >= 400 AND status <> 499');
  else if (f.outcome === 'refused') parts.push('route IS NULL');
  else if (f.outcome && /^\d{3}$/.test(f.outcome)) parts.push(`status = ${Number(f.outcome)}`);
  else eq('error_code', f.outcome);
  if (f.beforeTs !== undefined) {
    values.push(new Date(f.beforeTs).toISOString(), f.beforeId ?? '');
    const [t, id] = [values.length - 1, values.length];
    parts.push(`(ts < $${t}::TIMESTAMPTZ OR (ts = $${t}::TIMESTAMPTZ AND request_id < $${id}))`);
  }
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, values };
}

/**
 * The spend query over `LogRelation.spendSource()`: settled cost per bucket (hours over a day, days over a week or a
 * month) and dimension value.
 */
export function spendSql(
  source: string,
  by: SpendDimension,
  range: SpendRange,
  nowMs: number,
): { sql: string; bucket: string } {
  const since = new Date(nowMs - RANGE_MS[range]).toISOString();
  const bucket = range === 'day' ? 'hour' : 'day';
  const from =
    by === 'tag'
      ? `(SELECT *, unnest(CASE WHEN len(tags) = 0 THEN [NULL::VARCHAR] ELSE tags END) AS tag FROM ${source})`
      : source;
  return {
    bucket,
    sql: `SELECT epoch_ms(date_trunc('${bucket}', ts))::DOUBLE AS "at", ${DIMENSION_SQL[by]} AS name,
                 sum(usd)::DOUBLE AS usd, sum(requests)::INTEGER AS requests, sum(tokens)::DOUBLE AS tokens
            FROM ${from}
           WHERE ts >= ${quoted(since)}::TIMESTAMPTZ
           GROUP BY ALL ORDER BY "at", name`,
  };
}
