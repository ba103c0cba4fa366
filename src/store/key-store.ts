import { hashApiKey } from '../config/tenant-keys.js';
import { newApiKey, newKeyId } from './api-key.js';
import type { SqlClient } from './sql-client.js';

/** A virtual key as the store holds it: never the key itself, only its sha256 and its first 8 characters. */
export interface StoredKey {
  readonly id: string;
  readonly tenant: string;
  readonly name: string | null;
  readonly prefix: string;
  /** The models the key may use (within its tenant's); null for all of the tenant's. */
  readonly models: readonly string[] | null;
  /** Tags every request with the key carries, added to its tenant's. */
  readonly defaultTags: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

export interface NewKey {
  readonly tenant: string;
  readonly name?: string | undefined;
  readonly models?: readonly string[] | undefined;
  readonly defaultTags?: readonly string[] | undefined;
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
  /** Epoch ms. */
  readonly expiresAtMs?: number | undefined;
}

interface KeyRow {
  id: string;
  tenant: string;
  name: string | null;
  key_hash: string;
  prefix: string;
  models: string[] | null;
  default_tags: string[];
  metadata: Record<string, unknown>;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  updated_at: Date;
}

/** How far before the last change read each refresh reads again (transactions that committed out of order). */
const LOOK_BACK_MS = 5000;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());
const toKey = (r: KeyRow): StoredKey => ({
  id: r.id,
  tenant: r.tenant,
  name: r.name,
  prefix: r.prefix,
  models: r.models,
  defaultTags: r.default_tags,
  metadata: r.metadata,
  createdAt: r.created_at.toISOString(),
  expiresAt: iso(r.expires_at),
  revokedAt: iso(r.revoked_at),
});

const COLUMNS =
  'id, tenant, name, key_hash, prefix, models, default_tags, metadata, created_at, expires_at, revoked_at, updated_at';

/**
 * The virtual keys, in the store and in memory: a request's key is looked up here with no database round trip.
 * Changes made by any instance reach this one within `refreshMs` (each instance reads the rows changed since
 * it last looked). Every change is an audit row, written in the same transaction.
 */
export class KeyStore {
  private readonly byHash = new Map<string, StoredKey>();
  private seen = new Date(0);
  private timer: NodeJS.Timeout | undefined;
  private healthy = true;

  private constructor(
    private readonly db: SqlClient,
    private readonly clock: { now(): number },
  ) {}

  static async open(db: SqlClient, clock: { now(): number }, refreshMs = 500): Promise<KeyStore> {
    const store = new KeyStore(db, clock);
    await store.refresh();
    store.timer = setInterval(() => {
      store.refresh().then(
        () => (store.healthy = true),
        () => (store.healthy = false),
      );
    }, refreshMs);
    store.timer.unref();
    return store;
  }

  /** Whether the last read of the store worked: when not, keys are served from the last snapshot. */
  ready(): boolean {
    return this.healthy;
  }

  /** The live key with this sha256: not revoked and not expired at `nowMs`. */
  lookup(hash: string, nowMs: number): StoredKey | undefined {
    const key = this.byHash.get(hash);
    if (!key || key.revokedAt !== null) return undefined;
    if (key.expiresAt !== null && Date.parse(key.expiresAt) <= nowMs) return undefined;
    return key;
  }

  async create(input: NewKey, actor: string): Promise<{ key: string; record: StoredKey }> {
    const created = await this.db.transaction((tx) => insertKey(tx, input, actor));
    this.remember(created.row);
    return { key: created.key, record: toKey(created.row) };
  }

  async list(tenant?: string): Promise<StoredKey[]> {
    const rows = tenant
      ? await this.db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE tenant = $1 ORDER BY created_at, id`, [
          tenant,
        ])
      : await this.db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
    return rows.map(toKey);
  }

  async get(id: string): Promise<StoredKey | undefined> {
    const [row] = await this.db.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return row ? toKey(row) : undefined;
  }

  /** Revokes a key at once; false when there is no such key. Revoking twice changes nothing. */
  async revoke(id: string, actor: string): Promise<StoredKey | undefined> {
    const row = await this.db.transaction(async (tx) => {
      const [before] = await tx.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
      if (!before) return undefined;
      if (before.revoked_at !== null) return before;
      const [after] = await tx.query<KeyRow>(
        `UPDATE api_keys SET revoked_at = $2, updated_at = clock_timestamp() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, new Date(this.clock.now())],
      );
      await audit(tx, actor, 'key.revoke', id, toKey(before), toKey(after as KeyRow));
      return after;
    });
    if (row) this.remember(row);
    return row ? toKey(row) : undefined;
  }

  /**
   * A new key in place of `id`, with its tenant, models, tags and metadata; the old one keeps working for
   * `graceSeconds` (0: it stops now). Undefined when there is no such live key.
   */
  async rotate(
    id: string,
    graceSeconds: number,
    actor: string,
  ): Promise<{ key: string; record: StoredKey } | undefined> {
    const endsMs = this.clock.now() + graceSeconds * 1000;
    // One transaction: the new key exists exactly when the old one's end is set.
    const rotated = await this.db.transaction(async (tx) => {
      const [old] = await tx.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
      if (!old || old.revoked_at !== null) return undefined;
      const created = await insertKey(
        tx,
        {
          tenant: old.tenant,
          name: old.name ?? undefined,
          models: old.models ?? undefined,
          defaultTags: old.default_tags,
          metadata: old.metadata,
          expiresAtMs: old.expires_at?.getTime(),
        },
        actor,
      );
      const [ended] = await tx.query<KeyRow>(
        `UPDATE api_keys SET expires_at = $2, updated_at = clock_timestamp() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, new Date(endsMs)],
      );
      const replaced = { replaced_by: created.row.id, grace_seconds: graceSeconds };
      await audit(tx, actor, 'key.rotate', id, toKey(old), replaced);
      return { created, ended: ended as KeyRow };
    });
    if (!rotated) return undefined;
    this.remember(rotated.created.row);
    this.remember(rotated.ended);
    return { key: rotated.created.key, record: toKey(rotated.created.row) };
  }

  async auditTrail(limit: number): Promise<Record<string, unknown>[]> {
    return this.db.query(
      'SELECT id::text, at, actor, action, target, before, after FROM audit ORDER BY id DESC LIMIT $1',
      [limit],
    );
  }

  /** Reads the rows changed since the last read (by this instance or another). */
  async refresh(): Promise<void> {
    // A change committed late can carry a time just before one already read: look back a little, again.
    const rows = await this.db.query<KeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE updated_at > $1 ORDER BY updated_at`,
      [new Date(this.seen.getTime() - LOOK_BACK_MS)],
    );
    for (const row of rows) this.remember(row);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.db.close();
  }

  private remember(row: KeyRow): void {
    // A row's key_hash never changes (a rotation is a new row): the hash alone finds what to replace.
    this.byHash.set(row.key_hash, toKey(row));
    if (row.updated_at > this.seen) this.seen = row.updated_at;
  }
}

/** Inserts a new key and its audit row; the key itself goes nowhere but back to the caller. */
async function insertKey(
  tx: Pick<SqlClient, 'query'>,
  input: NewKey,
  actor: string,
): Promise<{ key: string; row: KeyRow }> {
  const key = newApiKey();
  const [inserted] = await tx.query<KeyRow>(
    `INSERT INTO api_keys (id, tenant, name, key_hash, prefix, models, default_tags, metadata, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [
      newKeyId(),
      input.tenant,
      input.name ?? null,
      hashApiKey(key),
      key.slice(0, 8),
      input.models ?? null,
      input.defaultTags ?? [],
      JSON.stringify(input.metadata ?? {}),
      input.expiresAtMs === undefined ? null : new Date(input.expiresAtMs),
    ],
  );
  const row = inserted as KeyRow;
  await audit(tx, actor, 'key.create', row.id, null, toKey(row));
  return { key, row };
}

async function audit(
  tx: Pick<SqlClient, 'query'>,
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
}
