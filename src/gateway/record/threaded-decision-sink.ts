import { Worker } from 'node:worker_threads';
import type { LogRow } from '../../duckdb/log-schema.js';
import type { DecisionSink } from './decision-sink.js';
import {
  claimWriterId,
  loggableLine,
  openWriterIds,
  releaseWriterId,
  type DecisionLogOptions,
} from './duckdb-decision-sink.js';

/** What the writer thread is started with. */
export interface WriterSetup {
  readonly options: DecisionLogOptions;
  readonly writerId: string;
  /** The writers open in this process, whose write-ahead segments are not a dead process's. */
  readonly openWriters: readonly string[];
}
export type ToWriter = { type: 'lines'; lines: string[] } | { type: 'live'; id: number } | { type: 'close' };
export type FromWriter =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'on-disk'; rows: number }
  | { type: 'live'; id: number; rows: Record<string, unknown>[] }
  /** The writer's problem changed (`disk full: <dir>`), or cleared. */
  | { type: 'problem'; problem: string | undefined }
  | { type: 'closed' };

/** Rows go to the writer in batches: when this many are waiting, or this long after the first. */
const HANDOVER_ROWS = 512;
const HANDOVER_MS = 10;
/** A writer that could not start is tried again this often; its rows wait (the backlog shows them). */
const RESTART_MS = 1000;

/**
 * The decision log written by `DuckDbDecisionSink` in a worker thread (`decision-log-worker.ts`): `record`
 * turns the row into its log line and adds it to a batch, handed over every 10 ms (or 512 rows), so the
 * appends, the write-ahead segment's fsyncs and the Parquet rolls take no time on the event loop, and a
 * row object is young garbage (it used to wait a second in the buffer, long enough to reach the old space).
 * A batch is kept, as its lines, until the writer says they are on disk; if the writer thread dies, a new
 * one recovers the dead one's write-ahead segments and is sent those batches again: nothing recorded is lost.
 */
export class ThreadedDecisionSink implements DecisionSink {
  private batch: string[] = [];
  /** Batches handed over and not yet on disk, oldest first (what `backlog` counts with the batch). */
  private readonly unacknowledged: string[][] = [];
  private handover: NodeJS.Timeout | undefined;
  private readonly liveWaiters = new Map<number, (rows: Record<string, unknown>[]) => void>();
  private nextLiveId = 0;
  private closing = false;
  /** What the writer last said is stopping rows reaching the disk. */
  private writerProblem: string | undefined;
  /** Undefined while a new writer starts. */
  private writer: { worker: Worker; id: string } | undefined;
  private restarting: Promise<void> = Promise.resolve();

  private constructor(
    writer: { worker: Worker; id: string },
    private readonly options: DecisionLogOptions,
  ) {
    this.adopt(writer);
  }

  static async open(options: DecisionLogOptions): Promise<ThreadedDecisionSink> {
    return new ThreadedDecisionSink(await startWriter(options), options);
  }

  record(row: LogRow): void {
    this.batch.push(loggableLine(row));
    if (this.batch.length >= HANDOVER_ROWS) this.handOver();
    else this.handover ??= setTimeout(() => this.handOver(), HANDOVER_MS);
  }

  problem(): string | undefined {
    return this.writerProblem;
  }

  backlog(): number {
    let rows = this.batch.length;
    for (const batch of this.unacknowledged) rows += batch.length;
    return rows;
  }

  async liveRows(): Promise<Record<string, unknown>[]> {
    this.handOver();
    const id = this.nextLiveId++;
    const rows = new Promise<Record<string, unknown>[]>((resolve) => this.liveWaiters.set(id, resolve));
    this.post({ type: 'live', id });
    return rows;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.restarting;
    this.handOver();
    const writer = this.writer;
    if (!writer) return;
    const closed = new Promise<void>((resolve) =>
      writer.worker.on('message', (m: FromWriter) => m.type === 'closed' && resolve()),
    );
    this.post({ type: 'close' });
    await closed;
    await writer.worker.terminate();
    releaseWriterId(writer.id);
  }

  private handOver(): void {
    clearTimeout(this.handover);
    this.handover = undefined;
    if (this.batch.length === 0 || !this.writer) return;
    const lines = this.batch;
    this.batch = [];
    this.unacknowledged.push(lines);
    this.post({ type: 'lines', lines });
  }

  private post(message: ToWriter): void {
    this.writer?.worker.postMessage(message);
  }

  private adopt(writer: { worker: Worker; id: string }): void {
    this.writer = writer;
    writer.worker.on('message', (message: FromWriter) => {
      if (message.type === 'on-disk') this.unacknowledged.shift();
      else if (message.type === 'problem') this.writerProblem = message.problem;
      else if (message.type === 'live') {
        this.liveWaiters.get(message.id)?.(message.rows);
        this.liveWaiters.delete(message.id);
      }
    });
    writer.worker.on('error', (err) =>
      process.emitWarning(`decision log writer: ${err.message}`, 'SwitchyardLogWarning'),
    );
    writer.worker.once('exit', () => {
      if (this.closing || this.writer !== writer) return;
      this.restarting = this.restart(writer);
    });
  }

  /** A new writer for a dead one: its segments are a dead writer's now, recovered as the new one opens. */
  private async restart(dead: { worker: Worker; id: string }): Promise<void> {
    this.writer = undefined;
    releaseWriterId(dead.id);
    for (;;) {
      try {
        this.adopt(await startWriter(this.options));
        break;
      } catch (err) {
        process.emitWarning(
          `decision log writer: ${(err as Error).message}; trying again in ${RESTART_MS} ms`,
          'SwitchyardLogWarning',
        );
        await new Promise((resolve) => setTimeout(resolve, RESTART_MS));
      }
    }
    for (const lines of this.unacknowledged) this.post({ type: 'lines', lines });
    for (const id of this.liveWaiters.keys()) this.post({ type: 'live', id });
    this.handOver();
  }
}

/**
 * The worker's script beside this module once built; from the TypeScript sources (vitest, tsx) the built
 * one, since a worker thread runs JavaScript (`npm test` builds first).
 */
const workerScript = () =>
  import.meta.url.endsWith('.ts')
    ? new URL('../../../dist/gateway/record/decision-log-worker.js', import.meta.url)
    : new URL('./decision-log-worker.js', import.meta.url);

/** A writer thread, once its log is open (a dead process's segments recovered, the day's compaction done). */
async function startWriter(options: DecisionLogOptions): Promise<{ worker: Worker; id: string }> {
  const id = claimWriterId();
  const worker = new Worker(workerScript(), {
    workerData: { options, writerId: id, openWriters: openWriterIds() } satisfies WriterSetup,
  });
  const listeners: [string, Parameters<Worker['off']>[1]][] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      listeners.push(
        [
          'message',
          (message: FromWriter) =>
            message.type === 'ready'
              ? resolve()
              : reject(new Error(message.type === 'failed' ? message.message : 'the writer did not start')),
        ],
        ['error', reject],
        ['exit', (code: number) => reject(new Error(`the writer thread exited (${code}) before the log was open`))],
      );
      for (const [event, listener] of listeners) worker.once(event, listener);
    });
  } catch (err) {
    releaseWriterId(id);
    await worker.terminate();
    throw err;
  } finally {
    // Only these: the worker keeps listeners of its own (its message port starts with the first 'message' one).
    for (const [event, listener] of listeners) worker.off(event, listener);
  }
  return { worker, id };
}
