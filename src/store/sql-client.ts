/**
 * What the store asks of a database: parameterised queries (`$1`, `$2`…) and transactions. One SQL schema and
 * one set of queries run on a Postgres server (`pg-client.ts`) and on PGlite, Postgres compiled to WASM and
 * embedded (`pglite-client.ts`).
 */
export interface SqlClient {
  query<T extends object>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs `work` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (tx: Pick<SqlClient, 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
