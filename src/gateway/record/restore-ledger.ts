import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decimalTextToPico } from '../../duckdb/usd-decimal.js';
import type { SpendLedger } from '../state/spend-ledger.js';
import { runLogJob } from './run-log-job.js';
import { walDirOf } from './write-ahead-log.js';

/**
 * Puts the spend already in the decision log for the current UTC day and month back into the ledger: the
 * Parquet segments and the write-ahead segments not yet rolled into one, every instance's that writes to `dir`
 * (the `restore` job of `log-jobs.ts` sums them, each request once).
 */
export async function restoreLedgerFromLog(
  ledger: Pick<SpendLedger, 'restore'>,
  dir: string,
  nowMs: number,
): Promise<void> {
  if (!holdsRows(dir)) return;
  const { spend = [] } = await runLogJob({ kind: 'restore', dir, nowMs });
  for (const row of spend)
    await ledger.restore(row.holder, decimalTextToPico(row.daily), decimalTextToPico(row.monthly), nowMs);
}

/** Whether the log has a Parquet segment or a write-ahead segment that is not empty. */
function holdsRows(dir: string): boolean {
  if (!existsSync(dir)) return false;
  if (readdirSync(dir).some((f) => f.endsWith('.parquet'))) return true;
  const walDir = walDirOf(dir);
  return (
    existsSync(walDir) &&
    readdirSync(walDir).some((f) => f.endsWith('.ndjson') && statSync(join(walDir, f), { throwIfNoEntry: false })?.size)
  );
}
