import type { SqlClient } from './sql-client.js';

/** A query inside a store transaction. */
export type Tx = Pick<SqlClient, 'query'>;

/** The channel every instance listens on: a change to keys or tenants, read at once instead of at the next poll. */
export const CHANGE_CHANNEL = 'switchyard_store';

/**
 * Writes the audit row of an admin change (who, what, when, before and after: never a key) in the change's own
 * transaction, and tells every instance listening that the store changed (Postgres delivers the notice when the
 * transaction commits, and never when it rolls back).
 */
export async function audit(
  tx: Tx,
  actor: string,
  action: string,
  target: string,
  before: unknown,
  after: unknown,
): Promise<void> {
  await tx.query('INSERT INTO audit (actor, action, target, before, after) VALUES ($1, $2, $3, $4, $5)', [
    actor,
    action,
    target,
    before === null ? null : JSON.stringify(before),
    JSON.stringify(after),
  ]);
  await tx.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, action]);
}
