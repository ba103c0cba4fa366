import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  appendLogRows,
  LOG_TABLE_DDL,
  loggableRow,
  rowFromLine,
  rowsOfLines,
  rowToLine,
  type LogRow,
} from '../../duckdb/log-schema.js';
import type { Clock } from '../state/clock.js';
import type { DecisionSink } from './decision-sink.js';
import { compactPastDays } from './compact-segments.js';
import { orphanedSegments, processAlive, removeSegment, WriteAheadLog } from './write-ahead-log.js';

export interface DecisionLogOptions {
  /** Where Parquet segments go. */
  readonly dir: string;
  /** Whether a roll is due is looked at this often. */
  readonly flushMs?: number;
  /** A segment is closed into a Parquet file this often (when it holds rows)... */
  readonly rollMs?: number;
  /** ...or as soon as it holds this many rows, which bounds a write-ahead segment and the roll that reads it. */
  readonly rollRows?: number;
  /** Recorded rows are on disk (the write-ahead segment, fsync'd) within this window. */
  readonly syncMs?: number;
  /** DuckDB's own memory limit and threads for the writer (it sizes itself to the machine otherwise). */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

const WRITER_DEFAULTS = {
  flushMs: 1000,
  rollMs: 60_000,
  rollRows: 50_000,
  syncMs: 200,
  memoryLimit: '128MB',
  threads: 1,
} as const;
const DAY_MS = 86_400_000;
/** This gateway process, as its log rows name it. */
const INSTANCE = `${hostname()}:${process.pid}`;

/** A row as the log takes it: checked, fixed where it must be, named by this process. */
const loggable = (row: LogRow): LogRow => loggableRow({ ...row, instance: INSTANCE });
/** The same as one line, as `recordLine` takes it (from another thread). */
export const loggableLine = (row: LogRow): string => rowToLine(loggable(row));

/** Where the write-ahead segments live, beside the Parquet segments they become. */
export const walDirOf = (dir: string) => join(dir, 'wal');

/** This machine, as segment names carry it (letters and digits only, so names split cleanly). */
const HOST = hostname().replace(/[^A-Za-z0-9]/g, '') || 'host';

/**
 * Writers open in this process (`<host>_<pid>-<random>`). A segment id starts with its writer's: another
 * process's is live while that process runs; this process's only while its writer is open — a gateway
 * restarted in a container often gets the same pid as the one that was killed. A segment another machine
 * writes to a shared directory is never taken for dead here (its pid means nothing on this machine).
 * A worker thread has its own copy of this set: it is told the process's (`adoptOpenWriters`).
 */
const OPEN_HERE = new Set<string>();

/** A new writer's id, open in this process until `releaseWriterId`. */
export function claimWriterId(): string {
  const id = `${HOST}_${process.pid}-${randomUUID().slice(0, 8)}`;
  OPEN_HERE.add(id);
  return id;
}
export const releaseWriterId = (id: string) => void OPEN_HERE.delete(id);
/** The writers open in this process, for a writer in a worker thread to leave alone. */
export const openWriterIds = (): string[] => [...OPEN_HERE];
export const adoptOpenWriters = (ids: readonly string[]) => ids.forEach((id) => OPEN_HERE.add(id));
function segmentIsLive(id: string): boolean {
  const [writer = '', opened] = id.split('-');
  const [host, pid] = writer.includes('_') ? writer.split('_') : [HOST, writer];
  if (host !== HOST) return true;
  if (Number(pid) === process.pid) return OPEN_HERE.has(`${writer}-${opened}`);
  return processAlive(Number(pid));
}

/**
 * Writes one row per request, off the request path: `record` only hands the row, as one JSON line, to the
 * write-ahead segment (on disk within `syncMs`); every `rollMs`, or at `rollRows`, the segment is sealed and DuckDB
 * reads its lines straight into a Parquet segment in `dir` (`rowsOfLines`), written under a temporary name and
 * renamed, so readers in other processes never see half a file; then the write-ahead segment is removed. No row is
 * parsed in JavaScript nor held in a table between rolls: the lines on disk are the live segment. DuckDB lets one
 * process write a database file; Parquet segments let every process read. `close` rolls what is left; a killed
 * process's write-ahead segments become Parquet segments when the next one opens the log.
 */
export class DuckDbDecisionSink implements DecisionSink {
  private chain: Promise<void> = Promise.resolve();
  private lastRoll: number;
  private segment = 0;
  /** Rows in the write-ahead segment being written. */
  private rowsInSegment = 0;
  private readonly timer: NodeJS.Timeout;
  /** Rows, or rows already written as lines (`recordLine`). */
  private readonly wal: WriteAheadLog<LogRow | string>;
  /** Sealed write-ahead segments not yet in Parquet (a roll that failed is tried again with them). */
  private sealed: Promise<string>[] = [];
  private compactedDay: number;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: Required<DecisionLogOptions>,
    private readonly clock: Clock,
    private readonly idPrefix: string,
  ) {
    this.lastRoll = clock.now();
    this.compactedDay = Math.floor(this.lastRoll / DAY_MS);
    this.wal = WriteAheadLog.open(walDirOf(options.dir), this.nextSegmentId(), options.syncMs, (entry) =>
      typeof entry === 'string' ? entry : rowToLine(entry),
    );
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref();
  }

  /** `writerId` names its segments (`claimWriterId`; a worker thread is given the one its parent claimed). */
  static async open(given: DecisionLogOptions, clock: Clock, writerId = claimWriterId()): Promise<DuckDbDecisionSink> {
    const options: Required<DecisionLogOptions> = { ...WRITER_DEFAULTS, ...given };
    mkdirSync(options.dir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: options.memoryLimit,
      threads: String(options.threads),
    });
    const connection = await instance.connect();
    await connection.run(LOG_TABLE_DDL);
    await recoverOrphans(connection, options.dir, clock);
    await compactPastDays(connection, options.dir, clock.now());
    return new DuckDbDecisionSink(instance, connection, options, clock, writerId);
  }

  record(row: LogRow): void {
    this.wal.append(loggable(row));
    this.rowsInSegment++;
  }

  /** A row `loggableLine` wrote (in another thread): its line goes to the write-ahead segment as it is. */
  recordLine(line: string): void {
    this.wal.append(line);
    this.rowsInSegment++;
  }

  problem(): string | undefined {
    return this.wal.problem();
  }

  /** Resolves when every row recorded so far is in the write-ahead segment on disk. */
  onDisk(): Promise<void> {
    return this.wal.onDisk();
  }

  /**
   * Rolls the segment into Parquet when it is due (or `force`). Serialised: one at a time. A failure (a full disk)
   * is reported and the next flush tries again: the gateway keeps serving.
   */
  flush(force = false): Promise<void> {
    this.chain = this.chain
      .then(() => this.flushNow(force))
      .catch((err: unknown) => {
        process.emitWarning(`decision log: ${(err as Error).message}`, 'SwitchyardLogWarning');
      });
    return this.chain;
  }

  /** Rows recorded and not yet on disk. */
  backlog(): number {
    return this.wal.pendingEntries;
  }

  /** Rows not yet in a Parquet segment (every write-ahead segment this writer holds), oldest first. */
  async liveRows(): Promise<Record<string, unknown>[]> {
    await this.wal.sync();
    const ids = [...(await Promise.all(this.sealed)), this.wal.segmentId];
    const reader = await this.connection.runAndReadAll(
      `SELECT * EXCLUDE (cost_usd), cost_usd::VARCHAR AS cost_usd FROM ${rowsOfLines(ids.map((id) => this.wal.pathOf(id)))} ORDER BY ts`,
    );
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
    await this.wal.close();
    // Its rows are all in Parquet now (or, if the last roll failed, replayed from it on the next start).
    if (this.rowsInSegment === 0 && this.sealed.length === 0) await this.wal.remove(this.wal.segmentId);
    releaseWriterId(this.idPrefix);
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async flushNow(force: boolean): Promise<void> {
    const due =
      force || this.clock.now() - this.lastRoll >= this.options.rollMs || this.rowsInSegment >= this.options.rollRows;
    if (due && this.rowsInSegment > 0) {
      // Sealed with every line appended so far (written and synced first): the Parquet segment holds exactly them.
      this.sealed.push(this.wal.rotate(this.nextSegmentId()));
      this.rowsInSegment = 0;
    }
    if (this.sealed.length > 0) await this.roll();
  }

  private async roll(): Promise<void> {
    const sealed = await Promise.all(this.sealed);
    await writeSegment(
      this.connection,
      rowsOfLines(sealed.map((id) => this.wal.pathOf(id))),
      this.options.dir,
      this.clock.now(),
      sealed[sealed.length - 1] as string,
    );
    this.lastRoll = this.clock.now();
    this.sealed = [];
    for (const id of sealed) await this.wal.remove(id);
    // The first roll of a new UTC day merges the days before it.
    const day = Math.floor(this.lastRoll / DAY_MS);
    if (day !== this.compactedDay) {
      this.compactedDay = day;
      await compactPastDays(this.connection, this.options.dir, this.lastRoll);
    }
  }

  private nextSegmentId(): string {
    return `${this.idPrefix}-${this.segment++}`;
  }
}

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
 * Write-ahead segments a killed gateway left behind become Parquet segments, before anything reads the
 * log (the ledger is restored from it next). A segment whose Parquet file was written before the kill is
 * only removed; a line cut off by the kill, or one that is not a row, is skipped and counted.
 */
async function recoverOrphans(connection: DuckDBConnection, dir: string, clock: Clock): Promise<void> {
  const walDir = walDirOf(dir);
  const parquet = readdirSync(dir).filter((f) => f.endsWith('.parquet'));
  for (const { id, lines } of orphanedSegments(walDir, segmentIsLive)) {
    if (!parquet.some((f) => f.endsWith(`-${id}.parquet`)) && lines.length > 0) {
      const appender = await connection.createAppender('requests');
      const rows = lines.map(rowFromLine);
      appendLogRows(appender, rows.filter((row) => row !== undefined).map(loggableRow));
      const skipped = rows.filter((row) => row === undefined).length;
      appender.closeSync();
      if (skipped > 0)
        process.emitWarning(
          `decision log: ${skipped} unreadable line(s) in write-ahead segment ${id} skipped`,
          'SwitchyardLogWarning',
        );
      await writeSegment(connection, 'requests', dir, clock.now(), id);
      await connection.run('DELETE FROM requests');
    }
    await removeSegment(walDir, id);
  }
}
