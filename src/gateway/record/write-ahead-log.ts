import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** Lines wait this long at most before they are written (in one write): young garbage, not old. */
const WRITE_MS = 10;

/**
 * The decision log's crash insurance: every recorded row is appended, as one JSON line, to a segment file. Lines are
 * written within `WRITE_MS` of being appended, in one write, and fsync'd every `syncMs` — off the request path
 * (asynchronous file I/O), so a row is in the kernel's hands within milliseconds (a killed process loses none) and
 * on disk at most `syncMs` plus one write and fsync after its request ended. A segment holds the rows of one Parquet
 * segment: `rotate` seals it when that Parquet file is written, and the sealed file is removed once the Parquet file
 * is in place. What a killed process leaves behind is replayed on the next start (`orphanedSegments`).
 */
export class WriteAheadLog {
  /** Lines not yet written (and lines a failed write gave back, first). */
  private pending: string[] = [];
  /** Lines written and not yet fsync'd. */
  private unsynced = 0;
  /** The last write stopped part-way through a line: the next starts a new line (the torn one reads as none). */
  private torn = false;
  /** Every file operation, in order: a sync never interleaves with a write or a rotation. */
  private chain: Promise<unknown>;
  private file: Promise<FileHandle>;
  private writeTimer: NodeJS.Timeout | undefined;
  private readonly syncTimer: NodeJS.Timeout;
  /** Why the last write failed (a full disk), until one succeeds. */
  private failing: string | undefined;
  /** The failure last warned of: a full disk is said once, not at every try. */
  private warned: string | undefined;

  private constructor(
    private readonly dir: string,
    private id: string,
    syncMs: number,
  ) {
    this.file = open(this.pathOf(id), 'a');
    this.chain = this.file;
    this.syncTimer = setInterval(() => void this.sync(), syncMs);
    this.syncTimer.unref();
  }

  /** `id` names the first segment (`<pid>-…`, so a restart can tell a live writer's files from a dead one's). */
  static open(dir: string, id: string, syncMs: number): WriteAheadLog {
    mkdirSync(dir, { recursive: true });
    return new WriteAheadLog(dir, id, syncMs);
  }

  /** The segment rows are appended to now. */
  get segmentId(): string {
    return this.id;
  }

  append(line: string): void {
    this.pending.push(line);
    // While writes fail, only the timed sync tries again: the lines wait in memory (the backlog counts them).
    if (this.failing !== undefined) return;
    this.writeTimer ??= setTimeout(() => {
      this.writeTimer = undefined;
      void this.onFile((fh) => this.writePending(fh));
    }, WRITE_MS);
  }

  /** Lines appended and not yet on disk (written and fsync'd). */
  get pendingEntries(): number {
    return this.pending.length + this.unsynced;
  }

  /** Why rows are not reaching the disk now (`disk full: <dir>`), or undefined while writes succeed. */
  problem(): string | undefined {
    return this.failing;
  }

  /** Writes and fsyncs what is pending. A failure (full disk) is reported and the lines kept for the next try. */
  sync(): Promise<void> {
    return this.onFile((fh) => this.writeAndSync(fh));
  }

  /**
   * Seals the current segment, written and synced with every line appended so far, and starts `nextId`. Lines the
   * sealed segment could not take (a full disk) go to the next one: they are kept either way.
   */
  rotate(nextId: string): Promise<string> {
    const sealed = this.id;
    this.id = nextId;
    const done = this.onFile(async (fh) => {
      await this.writeAndSync(fh).catch(() => undefined);
      await fh.close();
      return sealed;
    });
    this.file = this.chain.then(() => open(this.pathOf(nextId), 'a'));
    return done;
  }

  /** Removes a sealed segment once the Parquet file holding its rows is in place. */
  remove(id: string): Promise<void> {
    return removeSegment(this.dir, id);
  }

  /** Writes what is pending and closes; the current segment stays until its rows are in Parquet. */
  async close(): Promise<void> {
    clearInterval(this.syncTimer);
    clearTimeout(this.writeTimer);
    await this.sync();
    await this.onFile((fh) => fh.close());
  }

  /** The file of a segment (the current one, or a sealed one until it is removed). */
  private pathOf(id: string): string {
    return segmentPath(this.dir, id);
  }

  private async writeAndSync(fh: FileHandle): Promise<void> {
    await this.writePending(fh);
    if (this.unsynced > 0) await this.failsAs(() => fh.datasync());
    this.unsynced = 0;
  }

  /** Hands every pending line to the file in one write; a failed write gives them back, first. */
  private async writePending(fh: FileHandle): Promise<void> {
    const lines = this.pending;
    if (lines.length === 0) return;
    this.pending = [];
    const text = Buffer.from(`${this.torn ? '\n' : ''}${lines.join('\n')}\n`);
    try {
      await this.failsAs(async () => {
        const { bytesWritten } = await fh.write(text);
        this.torn = bytesWritten > 0 && bytesWritten < text.length;
        if (bytesWritten < text.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      });
    } catch (err) {
      this.pending = [...lines, ...this.pending];
      throw err;
    }
    this.unsynced += lines.length;
  }

  /** Runs a file operation; its failure says why rows are not reaching the disk until one succeeds. */
  private async failsAs(operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.failing =
        code === 'ENOSPC' || code === 'EDQUOT'
          ? `disk full: ${this.dir}`
          : `cannot write ${this.dir} (${code ?? (err as Error).message})`;
      throw err;
    }
    this.failing = this.warned = undefined;
  }

  /** Runs `step` on the file current now, after every file operation before it. */
  private onFile<T>(step: (fh: FileHandle) => Promise<T>): Promise<T> {
    const file = this.file;
    const run = this.chain.then(async () => step(await file));
    this.chain = run.catch((err: unknown) => {
      const message = (err as Error).message;
      if (message !== this.warned)
        process.emitWarning(`decision log write-ahead segment: ${message}`, 'SwitchyardLogWarning');
      this.warned = message;
    });
    return run;
  }
}

/** Where the write-ahead segments live, beside the Parquet segments they become. */
export const walDirOf = (dir: string) => join(dir, 'wal');

export const segmentPath = (dir: string, id: string) => join(dir, `${id}.ndjson`);

/** A segment file's whole lines: a last line cut off by a kill (no newline yet) is not one. */
export function wholeLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.pop();
  return lines;
}

export async function removeSegment(dir: string, id: string): Promise<void> {
  await rm(segmentPath(dir, id), { force: true });
}

/** The segments in `dir` that no live writer holds: the ones a killed or crashed gateway left behind. */
export function orphanedSegments(dir: string, isLive: (id: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ndjson'))
    .map((file) => file.slice(0, -'.ndjson'.length))
    .filter((id) => !isLive(id))
    .sort();
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
