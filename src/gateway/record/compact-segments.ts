import { randomUUID } from 'node:crypto';
import {
  existsSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';

const PREFIX = 'requests-';
const LOCK = 'compact.lock';
const JOURNAL = 'compact-journal.json';
/** A lock older than this was left by a process that died while compacting. */
const STALE_LOCK_MS = 10 * 60_000;

const quoted = (p: string) => `'${p.replace(/'/g, "''")}'`;
const dayOf = (file: string) => file.slice(PREFIX.length, PREFIX.length + 10);

/**
 * One Parquet file per past UTC day: the small segments every roll of every instance writes are merged
 * once their day is over, so a year of logs is a few hundred files, not hundreds of thousands. Safe with
 * several gateways on one directory (a lock file; the one that gets it compacts) and against a crash part
 * way (a journal names the merged file and its sources: on the next run the sources go if the merged
 * file is in place, else the half-written file goes). Returns the number of days compacted.
 */
export async function compactPastDays(connection: DuckDBConnection, dir: string, nowMs: number): Promise<number> {
  if (!takeLock(dir)) return 0;
  try {
    finishJournal(dir);
    let compacted = 0;
    for (const [day, sources] of pastDaysToMerge(dir, nowMs)) {
      const target = `${PREFIX}${day}T00-00-00-000Z-day-${randomUUID().slice(0, 8)}.parquet`;
      writeFileSync(join(dir, JOURNAL), JSON.stringify({ target, sources }));
      const list = sources.map((f) => quoted(join(dir, f))).join(', ');
      await connection.run(
        `COPY (SELECT * FROM read_parquet([${list}], union_by_name = true) ORDER BY ts) TO ${quoted(join(dir, `${target}.tmp`))} (FORMAT parquet)`,
      );
      renameSync(join(dir, `${target}.tmp`), join(dir, target));
      finishJournal(dir);
      compacted++;
    }
    return compacted;
  } finally {
    rmSync(join(dir, LOCK), { force: true });
  }
}

/** Whether `compactPastDays` has anything to do: a past day of several segments, or a crash's journal to finish. */
export const compactionDue = (dir: string, nowMs: number): boolean =>
  existsSync(join(dir, JOURNAL)) || pastDaysToMerge(dir, nowMs).length > 0;

/** Each past UTC day that has more than one segment, with its segments, oldest day first. */
function pastDaysToMerge(dir: string, nowMs: number): [string, string[]][] {
  const today = new Date(nowMs).toISOString().slice(0, 10);
  const byDay = new Map<string, string[]>();
  for (const file of readdirSync(dir)) {
    if (!file.startsWith(PREFIX) || !file.endsWith('.parquet') || dayOf(file) >= today) continue;
    byDay.set(dayOf(file), [...(byDay.get(dayOf(file)) ?? []), file]);
  }
  return [...byDay].filter(([, sources]) => sources.length > 1).sort();
}

function takeLock(dir: string): boolean {
  const path = join(dir, LOCK);
  if (existsSync(path) && Date.now() - statSync(path).mtimeMs > STALE_LOCK_MS) rmSync(path, { force: true });
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch {
    return false;
  }
}

/** Completes or undoes a compaction that a crash interrupted (or the one just written). */
function finishJournal(dir: string): void {
  const path = join(dir, JOURNAL);
  if (!existsSync(path)) return;
  const { target, sources } = JSON.parse(readFileSync(path, 'utf8')) as { target: string; sources: string[] };
  if (existsSync(join(dir, target))) for (const f of sources) rmSync(join(dir, f), { force: true });
  else rmSync(join(dir, `${target}.tmp`), { force: true });
  rmSync(path);
}
