import { PGlite } from '@electric-sql/pglite';
import type { SqlClient } from './sql-client.js';

/** PGlite (`store.path`): Postgres compiled to WASM, embedded, its data in a directory. No server needed. */
export class PgliteClient implements SqlClient {
  private constructor(private readonly db: PGlite) {}

  static async open(dataDir: string): Promise<PgliteClient> {
    const db = await PGlite.create(dataDir);
    return new PgliteClient(db);
  }

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(sql, params as unknown[])).rows;
  }

  async transaction<T>(work: (tx: Pick<SqlClient, 'query'>) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      work({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<R>(sql, params as unknown[])).rows,
      }),
    );
  }

  async listen(channel: string, onNotice: () => void): Promise<() => Promise<void>> {
    // In this process: the connection cannot be lost.
    const stop = await this.db.listen(channel, onNotice);
    return () => stop();
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
