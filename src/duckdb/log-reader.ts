import { existsSync, readdirSync, statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from './duckdb-api.js';
import { LogNotFoundError } from './log-not-found.js';
import { logSource } from './log-schema.js';

export { LogNotFoundError };

/**
 * Opens a decision log for reading from any process while the gateway writes it: a directory of Parquet
 * segments (what the gateway writes), one Parquet file, or a DuckDB file holding a `requests` table.
 * Returns a connection and the SQL relation to select from.
 */
export async function openLogReader(
  path: string,
): Promise<{ connection: DuckDBConnection; source: string; close: () => void }> {
  if (!existsSync(path)) throw new LogNotFoundError(`${path}: no such log`);
  if (statSync(path).isDirectory() && !readdirSync(path).some((f) => f.endsWith('.parquet'))) {
    throw new LogNotFoundError(
      `${path}: no log segments yet (the gateway writes one every roll interval and on shutdown)`,
    );
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  if (path.endsWith('.duckdb') || path.endsWith('.db')) {
    await connection.run(`ATTACH '${path.replace(/'/g, "''")}' AS read_log (READ_ONLY)`);
  }
  return {
    connection,
    source: logSource(path),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
