import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { appendLogRow, LOG_TABLE_DDL, type LogRow } from '../../duckdb/log-schema.js';
import type { Clock } from '../state/clock.js';
import type { DecisionSink } from './decision-sink.js';

export interface DecisionLogOptions {
  /** Where Parquet segments go. */
  readonly dir: string;
  /** Buffered rows are appended at least this often. */
  readonly flushMs?: number;
  /** A segment is closed into a Parquet file this often (when it holds rows)... */
  readonly rollMs?: number;
  /** ...or as soon as it holds this many rows, which bounds the memory the live segment takes under load. */
  readonly rollRows?: number;
}

/**
 * Writes one row per request, off the request path: `record` only pushes to a buffer; a timer appends the
 * buffer to an in-memory DuckDB table with the appender (at least every second), and every `rollMs` the
 * table becomes a Parquet segment in `dir`, written under a temporary name and renamed, so readers in other
 * processes never see half a file. DuckDB lets one process write a database file; Parquet segments let
 * every process read. `close` appends and rolls what is left: no row is lost on a graceful shutdown.
 */
export class DuckDbDecisionSink implements DecisionSink {
  private buffer: LogRow[] = [];
  private chain: Promise<void> = Promise.resolve();
  private lastRoll: number;
  private segment = 0;
  private rowsInSegment = 0;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private appender: DuckDBAppender,
    private readonly options: Required<DecisionLogOptions>,
    private readonly clock: Clock,
  ) {
    this.lastRoll = clock.now();
    this.timer = setInterval(() => void this.flush(), options.flushMs);
    this.timer.unref();
  }

  static async open(options: DecisionLogOptions, clock: Clock): Promise<DuckDbDecisionSink> {
    mkdirSync(options.dir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(LOG_TABLE_DDL);
    const appender = await connection.createAppender('requests');
    return new DuckDbDecisionSink(instance, connection, appender, { flushMs: 1000, rollMs: 60_000, rollRows: 50_000, ...options }, clock);
  }

  record(row: LogRow): void {
    this.buffer.push(row);
  }

  /**
   * Appends the buffer, and rolls the segment when it is due. Serialised: one flush at a time. A failure
   * (a full disk) is reported and the next flush tries again: the gateway keeps serving.
   */
  flush(force = false): Promise<void> {
    this.chain = this.chain.then(() => this.flushNow(force)).catch((err: unknown) => {
      process.emitWarning(`decision log: ${(err as Error).message}`, 'SwitchyardLogWarning');
    });
    return this.chain;
  }

  /** Rows not yet in a Parquet segment (the live segment and the buffer), newest last. */
  async liveRows(): Promise<Record<string, unknown>[]> {
    await this.flush();
    const reader = await this.connection.runAndReadAll('SELECT * EXCLUDE (cost_usd), cost_usd::VARCHAR AS cost_usd FROM requests ORDER BY ts');
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
    this.appender.closeSync();
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async flushNow(force: boolean): Promise<void> {
    const rows = this.buffer;
    this.buffer = [];
    for (const row of rows) appendLogRow(this.appender, row);
    if (rows.length > 0) this.appender.flushSync();
    // Counted once appended: a segment that failed to roll is rolled again, whole, next time.
    this.rowsInSegment += rows.length;
    const due = force || this.clock.now() - this.lastRoll >= this.options.rollMs || this.rowsInSegment >= this.options.rollRows;
    if (this.rowsInSegment > 0 && due) await this.roll();
  }

  private async roll(): Promise<void> {
    const name = `requests-${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}-${process.pid}-${this.segment++}.parquet`;
    const final = join(this.options.dir, name);
    const temporary = `${final}.tmp`;
    await this.connection.run(`COPY requests TO '${temporary.replace(/'/g, "''")}' (FORMAT parquet)`);
    renameSync(temporary, final);
    // A new table rather than DELETE: DuckDB gives a dropped table's memory back, a deleted one's not at once.
    this.appender.closeSync();
    await this.connection.run('DROP TABLE requests');
    await this.connection.run(LOG_TABLE_DDL);
    this.appender = await this.connection.createAppender('requests');
    this.rowsInSegment = 0;
    this.lastRoll = this.clock.now();
  }
}
