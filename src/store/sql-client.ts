/**
 * What the store asks of a database: parameterised queries (`$1`, `$2`…) and transactions. One SQL schema and
 * one set of queries run on a Postgres server (`pg-client.ts`) and on PGlite, Postgres compiled to WASM and
 * embedded (`pglite-client.ts`).
 */
export interface SqlClient {
  query<T extends object>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs `work` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (tx: Pick<SqlClient, 'query'>) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotice` for each `NOTIFY` on `channel` (from any connection, any instance) until the returned stop is
   * called; `onLost` when the listening connection breaks (the caller listens again).
   */
  listen(channel: string, onNotice: () => void, onLost: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
