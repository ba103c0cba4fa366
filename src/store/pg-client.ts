import pg from 'pg';
import type { SqlClient } from './sql-client.js';

/** A Postgres server (`store.url`), through a small pool of node-postgres connections. */
export class PgClient implements SqlClient {
  private constructor(private readonly pool: pg.Pool) {}

  static async connect(url: string): Promise<PgClient> {
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
    // An idle connection that breaks is dropped by the pool; without a listener its error would end the process.
    pool.on('error', () => undefined);
    await pool.query('SELECT 1');
    return new PgClient(pool);
  }

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params as unknown[])).rows as T[];
  }

  async transaction<T>(work: (tx: Pick<SqlClient, 'query'>) => Promise<T>): Promise<T> {
    const connection = await this.pool.connect();
    try {
      await connection.query('BEGIN');
      const query = async <R extends object>(sql: string, params: readonly unknown[] = []) =>
        (await connection.query(sql, params as unknown[])).rows as R[];
      const result = await work({ query });
      await connection.query('COMMIT');
      return result;
    } catch (err) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      connection.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
