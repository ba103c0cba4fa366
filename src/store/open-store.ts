import { dirname, resolve } from 'node:path';
import { ConfigError } from '../engine/errors.js';
import { migrate } from './migrate.js';
import { PgClient } from './pg-client.js';
import { PgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';
import { Store } from './store.js';

export type StoreConfig = { readonly url: string } | { readonly path: string };

/** A Postgres URL as it may be shown: its password replaced. */
export const shownUrl = (url: string) => url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');

/**
 * The store the config names, its schema brought up to date, its keys and tenants read: a Postgres server (`url`) or
 * PGlite in a folder (`path`, relative to the config file). One that cannot be opened stops the start with a
 * message naming it (never its password).
 */
export async function openStore(store: StoreConfig, configPath: string, clock: { now(): number }): Promise<Store> {
  const where = 'url' in store ? shownUrl(store.url) : resolve(dirname(configPath), store.path);
  let db: SqlClient;
  try {
    db = 'url' in store ? await PgClient.connect(store.url) : await PgliteClient.open(where);
  } catch (err) {
    throw new ConfigError(configPath, [{ path: 'store', message: `cannot open ${where}: ${(err as Error).message}` }]);
  }
  try {
    await migrate(db);
    return await Store.open(db, clock);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw new ConfigError(configPath, [{ path: 'store', message: `${where}: ${(err as Error).message}` }]);
  }
}
