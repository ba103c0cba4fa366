import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The decision log's crash insurance: every recorded row is appended, as one JSON line, to a segment file
 * that a timer writes and fsyncs in batches every `syncMs` — off the request path (asynchronous file I/O),
 * so a row is on disk at most `syncMs` plus one write and fsync after its request ended. A segment holds
 * the rows of one Parquet segment: `rotate` seals it when that Parquet file is written, and the sealed file
 * is removed once the Parquet file is in place. What a killed process leaves behind is replayed on the
 * next start (`orphanedSegments`).
 */
export class WriteAheadLog<T> {
  /** Entries not yet on disk; turned into lines only when written, off the request path. */
  private pending: T[] = [];
  /** Who waits for the pending entries to be on disk (`onDisk`). */
  private waiting: (() => void)[] = [];
  /** Every file operation, in order: a sync never interleaves with a rotation. */
  private chain: Promise<unknown>;
  private file: Promise<FileHandle>;
  private readonly timer: NodeJS.Timeout;
  /** Why the last write failed (a full disk), until one succeeds. */
  private failing: string | undefined;

  private constructor(
    private readonly dir: string,
    private id: string,
    syncMs: number,
    private readonly toLine: (entry: T) => string,
  ) {
    this.file = open(this.pathOf(id), 'a');
    this.chain = this.file;
    this.timer = setInterval(() => void this.sync(), syncMs);
    this.timer.unref();
  }

  /** `id` names the first segment (`<pid>-…`, so a restart can tell a live writer's files from a dead one's). */
  static open<T>(dir: string, id: string, syncMs: number, toLine: (entry: T) => string): WriteAheadLog<T> {
    mkdirSync(dir, { recursive: true });
    return new WriteAheadLog(dir, id, syncMs, toLine);
  }

  /** The segment rows are appended to now. */
  get segmentId(): string {
    return this.id;
  }

  append(entry: T): void {
    this.pending.push(entry);
  }

  /** Entries appended and not yet on disk. */
  get pendingEntries(): number {
    return this.pending.length;
  }

  /** Why rows are not reaching the disk now (`disk full: <dir>`), or undefined while writes succeed. */
  problem(): string | undefined {
    return this.failing;
  }

  /** Resolves when every entry appended so far is written and fsync'd (at the next timed sync or rotation). */
  onDisk(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Writes and fsyncs what is pending. A failure (full disk) is reported and the lines kept for the next try. */
  sync(): Promise<void> {
    return this.enqueue(async () => {
      const lines = this.pending;
      const waiting = this.waiting;
      this.pending = [];
      this.waiting = [];
      await this.writeLines(await this.file, lines, waiting);
    });
  }

  /** Seals the current segment (written and synced, with every line appended so far) and starts `nextId`. */
  rotate(nextId: string): Promise<string> {
    const sealed = this.id;
    const lines = this.pending;
    const waiting = this.waiting;
    this.pending = [];
    this.waiting = [];
    const previous = this.file;
    this.id = nextId;
    this.file = this.chain.then(() => open(this.pathOf(nextId), 'a'));
    return this.enqueue(async () => {
      const fh = await previous;
      await this.writeLines(fh, lines, waiting);
      await fh.close();
      await this.file;
      return sealed;
    });
  }

  /** Removes a sealed segment once the Parquet file holding its rows is in place. */
  remove(id: string): Promise<void> {
    return removeSegment(this.dir, id);
  }

  /** Writes what is pending and closes; the current segment stays until its rows are in Parquet. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sync();
    await this.enqueue(async () => (await this.file).close());
  }

  private async writeLines(fh: FileHandle, lines: readonly T[], waiting: readonly (() => void)[]): Promise<void> {
    try {
      if (lines.length > 0) {
        await fh.write(`${lines.map(this.toLine).join('\n')}\n`);
        await fh.datasync();
      }
    } catch (err) {
      this.pending.unshift(...lines);
      this.waiting.unshift(...waiting);
      const code = (err as NodeJS.ErrnoException).code;
      this.failing =
        code === 'ENOSPC' || code === 'EDQUOT'
          ? `disk full: ${this.dir}`
          : `cannot write ${this.dir} (${code ?? (err as Error).message})`;
      throw err;
    }
    this.failing = undefined;
    for (const resolve of waiting) resolve();
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const run = this.chain.then(step);
    this.chain = run.catch((err: unknown) =>
      process.emitWarning(`decision log write-ahead segment: ${(err as Error).message}`, 'SwitchyardLogWarning'),
    );
    return run;
  }

  /** The file of a segment (the current one, or a sealed one until it is removed). */
  pathOf(id: string): string {
    return segmentPath(this.dir, id);
  }
}

const segmentPath = (dir: string, id: string) => join(dir, `${id}.ndjson`);

export async function removeSegment(dir: string, id: string): Promise<void> {
  await rm(segmentPath(dir, id), { force: true });
}

/** Segments in `dir` that no live writer holds: the ones a killed or crashed gateway left behind. */
export function orphanedSegments(dir: string, isLive: (id: string) => boolean): { id: string; lines: string[] }[] {
  if (!existsSync(dir)) return [];
  const out: { id: string; lines: string[] }[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.ndjson')) continue;
    const id = file.slice(0, -'.ndjson'.length);
    if (isLive(id)) continue;
    // A torn last line (killed mid-write) is dropped here: only whole lines count.
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    lines.pop();
    out.push({ id, lines });
  }
  return out;
}

/** Whether a process with this pid is running (a pid reused by another program counts as alive: kept, not lost). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
