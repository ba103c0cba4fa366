import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdirSync } from 'node:fs';
import { loggableRow, rowToLine, type LogRow } from '../../duckdb/log-row.js';
import type { Clock } from '../state/clock.js';
import type { DecisionSink } from './decision-sink.js';
import { compactionDue } from './compact-segments.js';
import type { DuckDbSettings } from './log-jobs.js';
import { runLogJob } from './run-log-job.js';
import { orphanedSegments, processAlive, walDirOf, WriteAheadLog } from './write-ahead-log.js';

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

/** A row as the log takes it, as one line: checked, fixed where it must be, named by this process. */
const loggableLine = (row: LogRow): string => rowToLine(loggableRow(row), INSTANCE);

/** This machine, as segment names carry it (letters and digits only, so names split cleanly). */
const HOST = hostname().replace(/[^A-Za-z0-9]/g, '') || 'host';

/**
 * Writers open in this process (`<host>_<pid>-<random>`). A segment id starts with its writer's: another
 * process's is live while that process runs; this process's only while its writer is open — a gateway
 * restarted in a container often gets the same pid as the one that was killed. A segment another machine
 * writes to a shared directory is never taken for dead here (its pid means nothing on this machine).
 */
const OPEN_HERE = new Set<string>();

/** A new writer's id, open in this process until `releaseWriterId`. */
function claimWriterId(): string {
  const id = `${HOST}_${process.pid}-${randomUUID().slice(0, 8)}`;
  OPEN_HERE.add(id);
  return id;
}
const releaseWriterId = (id: string) => void OPEN_HERE.delete(id);
function segmentIsLive(id: string): boolean {
  const [writer = '', opened] = id.split('-');
  const [host, pid] = writer.includes('_') ? writer.split('_') : [HOST, writer];
  if (host !== HOST) return true;
  if (Number(pid) === process.pid) return OPEN_HERE.has(`${writer}-${opened}`);
  return processAlive(Number(pid));
}

/**
 * Writes one row per request, off the request path: `record` turns the row into one JSON line for the write-ahead
 * segment (written within milliseconds, on disk within `syncMs`); every `rollMs`, or at `rollRows`, the segment is
 * sealed and DuckDB, in a process of its own (`run-log-job.ts`), reads its lines straight into a Parquet segment in
 * `dir`, written under a temporary name and renamed, so readers in other processes never see half a file; then the
 * write-ahead segment is removed. No row is parsed in JavaScript, held in a table between rolls, or touched by DuckDB
 * in the gateway's process: the lines on disk are the live segment. Parquet segments let every process read. `close`
 * rolls what is left; a killed process's write-ahead segments become Parquet segments when the next one opens the
 * log, and so do the segments of a roll that failed (a full disk, a killed job) at the next roll.
 */
export class DuckDbDecisionSink implements DecisionSink {
  private chain: Promise<void> = Promise.resolve();
  private lastRoll: number;
  private segment = 0;
  /** Rows in the write-ahead segment being written. */
  private rowsInSegment = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly wal: WriteAheadLog;
  /** Sealed write-ahead segments not yet in Parquet (a roll that failed is tried again with them). */
  private sealed: Promise<string>[] = [];
  private compactedDay: number;
  /** What each job's DuckDB may use. */
  private readonly duckdb: DuckDbSettings;

  private constructor(
    private readonly options: Required<DecisionLogOptions>,
    private readonly clock: Clock,
    private readonly idPrefix: string,
  ) {
    this.lastRoll = clock.now();
    this.compactedDay = Math.floor(this.lastRoll / DAY_MS);
    this.duckdb = duckdbOf(options);
    this.wal = WriteAheadLog.open(walDirOf(options.dir), this.nextSegmentId(), options.syncMs);
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref();
  }

  /**
   * Opens the log in `dir`: a dead writer's segments are replayed into Parquet and past days merged first, when there
   * are any. `writerId` names this writer's segments (a new one by default).
   */
  static async open(given: DecisionLogOptions, clock: Clock, writerId = claimWriterId()): Promise<DuckDbDecisionSink> {
    const options: Required<DecisionLogOptions> = { ...WRITER_DEFAULTS, ...given };
    mkdirSync(options.dir, { recursive: true });
    const orphans = orphanedSegments(walDirOf(options.dir), segmentIsLive);
    const nowMs = clock.now();
    if (orphans.length > 0 || compactionDue(options.dir, nowMs))
      await runLogJob({ kind: 'open', dir: options.dir, orphans, nowMs, duckdb: duckdbOf(options) });
    return new DuckDbDecisionSink(options, clock, writerId);
  }

  record(row: LogRow): void {
    this.wal.append(loggableLine(row));
    this.rowsInSegment++;
  }

  problem(): string | undefined {
    return this.wal.problem();
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
    const segments = [...(await Promise.all(this.sealed)), this.wal.segmentId];
    const { rows = [] } = await runLogJob({ kind: 'live', dir: this.options.dir, segments, duckdb: this.duckdb });
    return rows;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
    await this.wal.close();
    // Its rows are all in Parquet now (or, if the last roll failed, replayed from it on the next start).
    if (this.rowsInSegment === 0 && this.sealed.length === 0) await this.wal.remove(this.wal.segmentId);
    releaseWriterId(this.idPrefix);
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
    const segments = await Promise.all(this.sealed);
    const nowMs = this.clock.now();
    // The first roll of a new UTC day merges the days before it.
    const day = Math.floor(nowMs / DAY_MS);
    const compact = day !== this.compactedDay;
    await runLogJob({ kind: 'roll', dir: this.options.dir, segments, nowMs, compact, duckdb: this.duckdb });
    this.lastRoll = nowMs;
    this.compactedDay = day;
    this.sealed = [];
    for (const id of segments) await this.wal.remove(id);
  }

  private nextSegmentId(): string {
    return `${this.idPrefix}-${this.segment++}`;
  }
}

const duckdbOf = (options: Required<DecisionLogOptions>): DuckDbSettings => ({
  memoryLimit: options.memoryLimit,
  threads: options.threads,
});
