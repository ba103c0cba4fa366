import type { LogRow } from '../../duckdb/log-row.js';

/**
 * Where the decision log's rows go: one row per request, recorded off the request path (`record` must not
 * block or throw). Write-ahead lines, then Parquet segments written by DuckDB (`duckdb-decision-sink.ts`).
 */
export interface DecisionSink {
  record(row: LogRow): void;
  /**
   * Rows recorded that are not yet on disk (written and fsync'd): what the log is behind by.
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
