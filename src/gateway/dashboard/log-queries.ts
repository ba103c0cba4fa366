import { Worker } from 'node:worker_threads';

/** The decisions page's filters: each narrows the rows; absent ones do not. */
export interface DecisionFilters {
  readonly tenant?: string;
  readonly model?: string;
  readonly route?: string;
  readonly tag?: string;
  readonly level?: string;
  /** `ok` (2xx), `error` (4xx and 5xx but 499), `refused` (never reached a route), or a status or error code. */
  readonly outcome?: string;
  /** Keyset pagination: rows before this time (epoch ms) and, at the same time, before this id. */
  readonly beforeTs?: number;
  readonly beforeId?: string;
  readonly limit?: number;
}

export type SpendDimension = 'tenant' | 'key' | 'model' | 'route' | 'tag';
export type SpendRange = 'day' | 'week' | 'month';
export interface QuerySetup {
  readonly dir: string;
  readonly walDir: string;
  readonly memoryLimit: string;
  readonly threads: number;
}

type Query =
  | { kind: 'decisions'; filters: DecisionFilters }
  | { kind: 'decision'; requestId: string }
  | { kind: 'spend'; by: SpendDimension; range: SpendRange }
  | { kind: 'crossover'; scenario: string; days: number }
  /** Rolls the segments' spend up in the background, a segment a turn (asked at sign-in). */
  | { kind: 'warm' }
  /** Finishes the question under way, closes its DuckDB and ends the thread. */
  | { kind: 'close' };
export type QueryRequest = Query & { id: number };
export type QueryReply = { id: number; result?: unknown; error?: string };

// The worker is its own program in src/dashboard/ (the outer ring: it reads the log and runs the harness for the
// crossover page), started by path, never imported.
const workerScript = () =>
  import.meta.url.endsWith('.ts')
    ? new URL('../../../dist/dashboard/log-query-worker.js', import.meta.url)
    : new URL('../../dashboard/log-query-worker.js', import.meta.url);

/**
 * The dashboard's reads of the decision log, answered by a worker thread with its own DuckDB (started on the
 * first question, so a gateway whose dashboard is never opened pays nothing). One question at a time runs there;
 * the others wait their turn in its queue.
 */
export class LogQueries {
  private worker: Promise<Worker> | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(private readonly setup: QuerySetup) {}

  ask<T>(query: Query): Promise<T> {
    return this.started().then(
      (worker) =>
        new Promise<T>((resolve, reject) => {
          const id = this.nextId++;
          this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
          worker.postMessage({ ...query, id } satisfies QueryRequest);
        }),
    );
  }

  /** Starts the worker and its rollup of the log's spend, answering nothing: a dashboard is about to ask. */
  warm(): void {
    void this.started()
      .then((worker) => worker.postMessage({ kind: 'warm', id: -2 } satisfies QueryRequest))
      .catch(() => undefined);
  }

  /**
   * Ends the thread once the question under way is answered: terminating it inside a DuckDB call would abort
   * the whole process (a native error). Terminated only if it has not ended in 30 s.
   */
  async close(): Promise<void> {
    const started = this.worker;
    this.worker = undefined;
    const worker = await started?.catch(() => undefined);
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'close', id: -3 } satisfies QueryRequest);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 30_000)));
    if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
    clearTimeout(timer);
  }

  private started(): Promise<Worker> {
    this.worker ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(workerScript(), { workerData: this.setup });
      worker.unref();
      worker.on('message', (reply: QueryReply) => {
        if (reply.id === -1) return resolve(worker);
        const waiter = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
        else waiter?.resolve(reply.result);
      });
      worker.on('error', (err) => {
        this.worker = undefined;
        for (const w of this.waiting.values()) w.reject(err);
        this.waiting.clear();
        reject(err);
      });
    });
    return this.worker;
  }
}
