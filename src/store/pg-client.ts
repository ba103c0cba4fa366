import pg from 'pg';
import type { SqlClient } from './sql-client.js';

/** A Postgres server (`store.url`), through a small pool of node-postgres connections. */
export class PgClient implements SqlClient {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
  ) {}

  static async connect(url: string): Promise<PgClient> {
    // A store that stops answering without refusing (a dropped network) fails a call in 5 s: the admin write gets
    // 503 instead of waiting; keepalive notices a dead peer.
    const pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
      statement_timeout: 5000,
      keepAlive: true,
    });
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
    // A connection dropped while held (a restart, a failover, a terminated session) errors here, not as an
    // uncaught event that would end the process; the failed call throws and the connection is discarded.
    const onError = () => undefined;
    connection.on('error', onError);
    let broken: Error | undefined;
    try {
      await connection.query('BEGIN');
      const query = async <R extends object>(sql: string, params: readonly unknown[] = []) =>
        (await connection.query(sql, params as unknown[])).rows as R[];
      const result = await work({ query });
      await connection.query('COMMIT');
      return result;
    } catch (err) {
      // A connection that timed out is not asked anything more (a ROLLBACK would wait as long again): it is
      // discarded, and Postgres rolls the transaction back when the session ends.
      if (/timeout/i.test((err as Error).message)) broken = err as Error;
      else await connection.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    } finally {
      connection.off('error', onError);
      connection.release(broken);
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
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (err) {
      stopped = true;
      await client.end().catch(() => undefined);
      throw err;
    }
    return async () => {
      stopped = true;
      await endWithin(client.end(), 2000);
    };
  }

  /** Lets go of the connections; one that no longer answers (a stalled peer) is not waited for past 3 s. */
  async close(): Promise<void> {
    await endWithin(this.pool.end(), 3000);
  }
}

/** Waits for a connection's end, but no longer than `ms`: a stalled peer never answers the goodbye. */
async function endWithin(ending: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    ending.catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}
