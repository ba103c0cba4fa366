import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { appendLogRows, LOG_TABLE_DDL, logSource, rowFromLine } from '../duckdb/log-schema.js';
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

  static async open(connection: DuckDBConnection, dir: string, walDir: string): Promise<LogRelation> {
    await connection.run(LOG_TABLE_DDL.replace('CREATE TABLE IF NOT EXISTS requests', 'CREATE TEMP TABLE recent'));
    return new LogRelation(connection, dir, walDir);
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
    const rows = files.flatMap((f) => {
      const lines = readFileSync(join(this.walDir, f), 'utf8').split('\n');
      lines.pop();
      return lines.map(rowFromLine).filter((row) => row !== undefined);
    });
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

/** The spend query: settled cost per bucket (hours over a day, days over a week or a month) and dimension value. */
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
                 sum(cost_usd)::DOUBLE AS usd, count(*)::INTEGER AS requests,
                 sum(input_tokens + output_tokens)::DOUBLE AS tokens
            FROM ${from}
           WHERE ts >= ${quoted(since)}::TIMESTAMPTZ
           GROUP BY ALL ORDER BY "at", name`,
  };
}
