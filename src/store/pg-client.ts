import pg from 'pg';
import type { SqlClient } from './sql-client.js';

/** A Postgres server (`store.url`), through a small pool of node-postgres connections. */
export class PgClient implements SqlClient {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
  ) {}

  static async connect(url: string): Promise<PgClient> {
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5000 });
    // An idle connection that breaks is dropped by the pool; without a listener its error would end the process.
    pool.on('error', () => undefined);
    await pool.query('SELECT 1');
    return new PgClient(pool, url);
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

  async listen(channel: string, onNotice: () => void, onLost: () => void): Promise<() => Promise<void>> {
    // A connection of its own, outside the pool: it stays open, waiting.
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    let stopped = false;
    client.on('error', () => undefined);
    client.on('end', () => {
      if (!stopped) onLost();
    });
    client.on('notification', (n) => {
      if (n.channel === channel) onNotice();
    });
    await client.connect();
    await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    return async () => {
      stopped = true;
      await client.end().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
