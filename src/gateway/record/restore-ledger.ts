import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { appendLogRows, LOG_TABLE_DDL, loggableRow, logSource, rowFromLine } from '../../duckdb/log-schema.js';
import { decimalTextToPico } from '../../duckdb/usd-decimal.js';
import type { SpendLedger } from '../state/spend-ledger.js';
import { walDirOf } from './duckdb-decision-sink.js';

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
    const columns = 'request_id, ts, tenant, cost_usd';
    const all = hasParquet
      ? `SELECT ${columns} FROM ${logSource(dir)} UNION ALL SELECT ${columns} FROM requests`
      : `SELECT ${columns} FROM requests`;
    const rows = `SELECT DISTINCT ON (request_id) ${columns} FROM (${all})`;
    const result = await connection.runAndReadAll(
      `SELECT tenant,
              (sum(cost_usd) FILTER (WHERE ts >= '${dayStart}'::TIMESTAMPTZ))::VARCHAR AS daily,
              sum(cost_usd)::VARCHAR AS monthly
         FROM (${rows})
        WHERE ts >= '${monthStart}'::TIMESTAMPTZ
        GROUP BY tenant`,
    );
    for (const row of result.getRowObjectsJson() as {
      tenant: string;
      daily: string | null;
      monthly: string | null;
    }[]) {
      await ledger.restore(row.tenant, decimalTextToPico(row.daily), decimalTextToPico(row.monthly), nowMs);
    }
  } finally {
    connection.closeSync();
    db.closeSync();
  }
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
