import type { LogRow } from '../../duckdb/log-schema.js';

/**
 * Where the decision log's rows go: one row per request, recorded off the request path (`record` must not
 * block or throw). DuckDB/Parquet (`duckdb-decision-sink.ts`), in a worker thread (`threaded-decision-sink.ts`).
 */
export interface DecisionSink {
  record(row: LogRow): void;
  /**
   * Rows recorded that the writer has not made safe yet (on disk in a worker thread, appended in-thread): what it is
   * behind by.
   */
  backlog(): number;
  /**
   * Why the writer cannot make rows safe now (`disk full: <dir>`), or undefined: `/ready` and the backlog refusal say
   * it.
   */
  problem(): string | undefined;
  /** Rows not yet in a durable segment, oldest first (for `/admin/log/live`). */
  liveRows(): Promise<Record<string, unknown>[]>;
  /** Writes what is left; no recorded row is lost on a graceful shutdown. */
  close(): Promise<void>;
}
