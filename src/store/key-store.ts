import { hashApiKey } from '../config/tenant-keys.js';
import type { AlertsConfig } from '../engine/config-schema.js';
import { usdToPico } from '../engine/money.js';
import type { TenantBudget, TenantLimits } from '../engine/routing-config.js';
import { newApiKey, newKeyId } from './api-key.js';
import { audit, type Tx } from './audit.js';
import type { SqlClient } from './sql-client.js';

/** A key's own budget as the API takes it, held as well as its tenant's. */
export interface KeyBudgetSpec {
  readonly daily_usd?: number;
  readonly monthly_usd?: number;
}

/** What a key may change about itself after it is created (`PATCH /admin/keys/:id`); `null` clears a field. */
export interface KeySettings {
  readonly name?: string | null;
  readonly models?: readonly string[] | null;
  readonly defaultTags?: readonly string[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly budget?: KeyBudgetSpec | null;
  readonly limits?: TenantLimits | null;
  readonly alerts?: AlertsConfig | null;
  /** Epoch ms; null: never. */
  readonly expiresAtMs?: number | null;
}

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
  readonly budget: KeyBudgetSpec | null;
  /** The budget in pico-dollars as the ledger holds it (refused when over: a key's budget never downgrades). */
  readonly ledgerBudget: TenantBudget | undefined;
  readonly limits: TenantLimits | null;
  readonly alerts: AlertsConfig | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface NewKey extends KeySettings {
  readonly tenant: string;
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
  budget: KeyBudgetSpec | null;
  limits: TenantLimits | null;
  alerts: AlertsConfig | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  updated_at: Date;
}

/** How far before the last change read each refresh reads again (transactions that committed out of order). */
const LOOK_BACK_MS = 5000;

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function ledgerBudgetOf(b: KeyBudgetSpec | null): TenantBudget | undefined {
  if (!b || (b.daily_usd === undefined && b.monthly_usd === undefined)) return undefined;
  return {
    ...(b.daily_usd === undefined ? {} : { dailyPico: usdToPico(b.daily_usd) }),
    ...(b.monthly_usd === undefined ? {} : { monthlyPico: usdToPico(b.monthly_usd) }),
    onExceed: 'deny',
  };
}

const toKey = (r: KeyRow): StoredKey => ({
  id: r.id,
  tenant: r.tenant,
  name: r.name,
  prefix: r.prefix,
  models: r.models,
  defaultTags: r.default_tags,
  metadata: r.metadata,
  budget: r.budget,
  ledgerBudget: ledgerBudgetOf(r.budget),
  limits: r.limits,
  alerts: r.alerts,
  createdAt: r.created_at.toISOString(),
  expiresAt: iso(r.expires_at),
  revokedAt: iso(r.revoked_at),
  lastUsedAt: iso(r.last_used_at),
});

/** A key as an audit row shows it: its settings, never its hash. */
const audited = (r: KeyRow) => {
  const { ledgerBudget: _held, lastUsedAt: _used, ...shown } = toKey(r);
  return shown;
};

const COLUMNS =
  'id, tenant, name, key_hash, prefix, models, default_tags, metadata, budget, limits, alerts, created_at, ' +
  'expires_at, revoked_at, last_used_at, updated_at';

const jsonOrNull = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * The virtual keys, in the store and in memory: a request's key is looked up here with no database round trip.
 * Changes made by any instance reach this one when the store says so (`Store` listens) or at the next poll
 * (each instance reads the rows changed since it last looked). Every change is an audit row, written in the
 * same transaction.
 */
export class KeyStore {
  private readonly byHash = new Map<string, StoredKey>();
  private readonly ids = new Map<string, StoredKey>();
  /** Each key row's `updated_at` as held, epoch ms. */
  private readonly versions = new Map<string, number>();
  private seen = new Date(0);
  /** Keys that authenticated a request since the last write of `last_used_at`, and when. */
  private used = new Map<string, number>();

  constructor(
    private readonly db: SqlClient,
    private readonly clock: { now(): number },
  ) {}

  /** The live key with this sha256: not revoked and not expired at `nowMs`. */
  lookup(hash: string, nowMs: number): StoredKey | undefined {
    const key = this.byHash.get(hash);
    if (!key || key.revokedAt !== null) return undefined;
    if (key.expiresAt !== null && Date.parse(key.expiresAt) <= nowMs) return undefined;
    return key;
  }

  /** Notes that a key authenticated a request: written to `last_used_at` with the next poll, not per request. */
  touch(id: string, nowMs: number): void {
    this.used.set(id, nowMs);
  }

  /** A key held in memory (live or not) by its id. */
  byId(id: string): StoredKey | undefined {
    return this.ids.get(id);
  }

  /** The keys held in memory (live or not), for the spend report and the metrics. */
  all(): IterableIterator<StoredKey> {
    return this.byHash.values();
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

  /** Changes a key's settings; undefined when there is no such key. A revoked key cannot be changed. */
  async update(id: string, changes: KeySettings, actor: string): Promise<StoredKey | 'revoked' | undefined> {
    const row = await this.db.transaction(async (tx) => {
      const [before] = await tx.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
      if (!before) return undefined;
      if (before.revoked_at !== null) return 'revoked' as const;
      const pick = <T>(change: T | undefined, old: T) => (change === undefined ? old : change);
      const expires =
        changes.expiresAtMs === undefined
          ? before.expires_at
          : changes.expiresAtMs === null
            ? null
            : new Date(changes.expiresAtMs);
      const [after] = await tx.query<KeyRow>(
        `UPDATE api_keys SET name = $2, models = $3, default_tags = $4, metadata = $5, budget = $6, limits = $7,
           alerts = $8, expires_at = $9, updated_at = clock_timestamp() WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id,
          pick(changes.name, before.name),
          pick(changes.models, before.models),
          pick(changes.defaultTags, before.default_tags),
          JSON.stringify(pick(changes.metadata, before.metadata)),
          jsonOrNull(pick(changes.budget, before.budget)),
          jsonOrNull(pick(changes.limits, before.limits)),
          jsonOrNull(pick(changes.alerts, before.alerts)),
          expires,
        ],
      );
      await audit(tx, actor, 'key.update', id, audited(before), audited(after as KeyRow));
      return after as KeyRow;
    });
    if (row === undefined || row === 'revoked') return row;
    this.remember(row);
    return toKey(row);
  }

  /** Revokes a key at once; undefined when there is no such key. Revoking twice changes nothing. */
  async revoke(id: string, actor: string): Promise<StoredKey | undefined> {
    const row = await this.db.transaction(async (tx) => {
      const [before] = await tx.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1 FOR UPDATE`, [id]);
      if (!before) return undefined;
      if (before.revoked_at !== null) return before;
      const [after] = await tx.query<KeyRow>(
        `UPDATE api_keys SET revoked_at = $2, updated_at = clock_timestamp() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, new Date(this.clock.now())],
      );
      await audit(tx, actor, 'key.revoke', id, audited(before), audited(after as KeyRow));
      return after;
    });
    if (row) this.remember(row);
    return row ? toKey(row) : undefined;
  }

  /**
   * A new key in place of `id`, with all its settings; the old one keeps working for `graceSeconds` (0: it stops
   * now). Undefined when there is no such live key.
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
      // Only a live key is rotated: an expired one is not brought back by its grace period.
      if (!old || old.revoked_at !== null) return undefined;
      if (old.expires_at !== null && old.expires_at.getTime() <= this.clock.now()) return undefined;
      const created = await insertKey(
        tx,
        {
          tenant: old.tenant,
          name: old.name,
          models: old.models,
          defaultTags: old.default_tags,
          metadata: old.metadata,
          budget: old.budget,
          limits: old.limits,
          alerts: old.alerts,
          expiresAtMs: old.expires_at?.getTime() ?? null,
        },
        actor,
      );
      // The grace never lengthens the old key's life: it ends at the grace's end or its own expiry, if sooner.
      const [ended] = await tx.query<KeyRow>(
        `UPDATE api_keys SET expires_at = LEAST(coalesce(expires_at, $2), $2), updated_at = clock_timestamp()
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, new Date(endsMs)],
      );
      const replaced = { replaced_by: created.row.id, grace_seconds: graceSeconds };
      await audit(tx, actor, 'key.rotate', id, audited(old), replaced);
      return { created, ended: ended as KeyRow };
    });
    if (!rotated) return undefined;
    this.remember(rotated.created.row);
    this.remember(rotated.ended);
    return { key: rotated.created.key, record: toKey(rotated.created.row) };
  }

  /** Reads the rows changed since the last read (by this instance or another), and writes when keys were used. */
  async refresh(): Promise<void> {
    await this.writeLastUsed();
    // A change committed late can carry a time just before one already read: look back a little, again.
    const rows = await this.db.query<KeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE updated_at > $1 ORDER BY updated_at`,
      [new Date(this.seen.getTime() - LOOK_BACK_MS)],
    );
    for (const row of rows) this.remember(row);
  }

  private async writeLastUsed(): Promise<void> {
    if (this.used.size === 0) return;
    const used = this.used;
    this.used = new Map();
    // Not a change of the key's settings: `updated_at` stays, so no instance reads the row again for it.
    await this.db.query(
      `UPDATE api_keys SET last_used_at = u.at
         FROM (SELECT unnest($1::text[]) AS id, unnest($2::timestamptz[]) AS at) u
        WHERE api_keys.id = u.id AND (last_used_at IS NULL OR last_used_at < u.at)`,
      [[...used.keys()], [...used.values()].map((ms) => new Date(ms))],
    );
  }

  private remember(row: KeyRow): void {
    // A read that began before a change committed can bring the row as it was: the newer one held stays.
    const held = this.versions.get(row.id);
    if (held !== undefined && held > row.updated_at.getTime()) return;
    this.versions.set(row.id, row.updated_at.getTime());
    // A row's key_hash never changes (a rotation is a new row): the hash alone finds what to replace.
    const key = toKey(row);
    this.byHash.set(row.key_hash, key);
    this.ids.set(row.id, key);
    if (row.updated_at > this.seen) this.seen = row.updated_at;
  }
}

/** A key for a tenant the store deleted (between the caller's check and this transaction). */
export class TenantGoneError extends Error {
  constructor(readonly tenant: string) {
    super(`No tenant ${tenant}: it was deleted.`);
  }
}

/**
 * Inserts a new key and its audit row; the key itself goes nowhere but back to the caller. A store tenant's row is
 * locked (shared) first, so a key and its tenant's deletion never both commit; a config file's tenant has no row.
 */
async function insertKey(tx: Tx, input: NewKey, actor: string): Promise<{ key: string; row: KeyRow }> {
  const [tenant] = await tx.query<{ deleted_at: Date | null }>(
    'SELECT deleted_at FROM tenants WHERE id = $1 FOR SHARE',
    [input.tenant],
  );
  if (tenant && tenant.deleted_at !== null) throw new TenantGoneError(input.tenant);
  const key = newApiKey();
  const [inserted] = await tx.query<KeyRow>(
    `INSERT INTO api_keys (id, tenant, name, key_hash, prefix, models, default_tags, metadata, budget, limits,
       alerts, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
    [
      newKeyId(),
      input.tenant,
      input.name ?? null,
      hashApiKey(key),
      key.slice(0, 8),
      input.models ?? null,
      input.defaultTags ?? [],
      JSON.stringify(input.metadata ?? {}),
      jsonOrNull(input.budget),
      jsonOrNull(input.limits),
      jsonOrNull(input.alerts),
      input.expiresAtMs === undefined || input.expiresAtMs === null ? null : new Date(input.expiresAtMs),
    ],
  );
  const row = inserted as KeyRow;
  await audit(tx, actor, 'key.create', row.id, null, audited(row));
  return { key, row };
}
