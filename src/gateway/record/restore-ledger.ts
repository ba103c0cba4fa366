import { existsSync, readdirSync } from 'node:fs';
import { openLogReader } from '../../duckdb/log-reader.js';
import { decimalTextToPico } from '../../duckdb/usd-decimal.js';
import type { SpendLedger } from '../state/spend-ledger.js';

const DAY_MS = 86_400_000;

/** Puts the spend already in the decision log for the current UTC day and month back into the ledger. */
export async function restoreLedgerFromLog(ledger: SpendLedger, dir: string, nowMs: number): Promise<void> {
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.parquet'))) return;
  const dayStart = new Date(Math.floor(nowMs / DAY_MS) * DAY_MS).toISOString();
  const monthStart = `${new Date(nowMs).toISOString().slice(0, 7)}-01T00:00:00Z`;
  const reader = await openLogReader(dir);
  try {
    const result = await reader.connection.runAndReadAll(
      `SELECT tenant,
              (sum(cost_usd) FILTER (WHERE ts >= '${dayStart}'::TIMESTAMPTZ))::VARCHAR AS daily,
              sum(cost_usd)::VARCHAR AS monthly
         FROM ${reader.source}
        WHERE ts >= '${monthStart}'::TIMESTAMPTZ
        GROUP BY tenant`,
    );
    for (const row of result.getRowObjectsJson() as { tenant: string; daily: string | null; monthly: string | null }[]) {
      await ledger.restore(row.tenant, decimalTextToPico(row.daily), decimalTextToPico(row.monthly), nowMs);
    }
  } finally {
    reader.close();
  }
}
