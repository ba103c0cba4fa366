import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { appendLogRows, LOG_TABLE_DDL, loggableRow, logSource, rowFromLine } from '../../duckdb/log-schema.js';
import { decimalTextToPico } from '../../duckdb/usd-decimal.js';
import type { SpendLedger } from '../state/spend-ledger.js';
import { walDirOf } from './duckdb-decision-sink.js';
import { KEY_HOLDER_PREFIX } from '../state/holders.js';

const DAY_MS = 86_400_000;

/**
 * Puts the spend already in the decision log for the current UTC day and month back into the ledger: the
 * Parquet segments and the write-ahead segments not yet rolled into one (a running instance's last minute,
 * a killed one's last rows), every instance's that writes to `dir`. A row can be in both for a moment (rolled,
 * its write-ahead segment not yet removed): rows are counted once.
 */
export async function restoreLedgerFromLog(
  ledger: Pick<SpendLedger, 'restore'>,
  dir: string,
  nowMs: number,
): Promise<void> {
  if (!existsSync(dir)) return;
  const hasParquet = readdirSync(dir).some((f) => f.endsWith('.parquet'));
  const walRows = writeAheadRows(walDirOf(dir));
  if (!hasParquet && walRows.length === 0) return;
  const dayStart = new Date(Math.floor(nowMs / DAY_MS) * DAY_MS).toISOString();
  const monthStart = `${new Date(nowMs).toISOString().slice(0, 7)}-01T00:00:00Z`;
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    await connection.run(LOG_TABLE_DDL);
    const appender = await connection.createAppender('requests');
    appendLogRows(appender, walRows.map(loggableRow));
    appender.closeSync();
    // A row can be both rolled and in its write-ahead segment for a moment: each request is counted once, by
    // the gateway's own id (unique per request; a caller's x-request-id is kept apart and never used here).
    // Segments written before keys existed have no key_id: read as none.
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
    for (const row of result.getRowObjectsJson() as {
      holder: string;
      daily: string | null;
      monthly: string | null;
    }[]) {
      await ledger.restore(row.holder, decimalTextToPico(row.daily), decimalTextToPico(row.monthly), nowMs);
    }
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** Whether any segment of the log has the column. */
async function hasColumn(connection: DuckDBConnection, source: string, column: string): Promise<boolean> {
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  return (described.getRowObjectsJson() as { column_name: string }[]).some((c) => c.column_name === column);
}

/** Every whole, readable row of the write-ahead segments (a line cut off by a kill is not one). */
function writeAheadRows(walDir: string) {
  if (!existsSync(walDir)) return [];
  return readdirSync(walDir)
    .filter((f) => f.endsWith('.ndjson'))
    .flatMap((f) => {
      const lines = readFileSync(join(walDir, f), 'utf8').split('\n');
      lines.pop();
      return lines.map(rowFromLine).filter((row) => row !== undefined);
    });
}
