import type { AddedTenantConfig } from '../engine/routing-config.js';
import { audit } from './audit.js';
import type { SqlClient } from './sql-client.js';

/** A tenant added through the admin API: the fields a config file's tenant has, without its keys. */
export interface StoredTenant {
  readonly spec: AddedTenantConfig;
  readonly createdAt: string;
  readonly updatedAt: string;
}

interface TenantRow {
  id: string;
  spec: AddedTenantConfig;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const COLUMNS = 'id, spec, created_at, updated_at, deleted_at';
const LOOK_BACK_MS = 5000;

const toTenant = (r: TenantRow): StoredTenant => ({
  spec: r.spec,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Why a tenant could not be deleted: it still has keys that work. */
export type TenantRemoval = StoredTenant | 'has_keys' | undefined;

/**
 * The tenants added through the admin API, in the store and in memory. The gateway serves them beside the
 * config file's (told through `onChange`); every change is an audit row in the change's own transaction.
 */
export class TenantStore {
  private readonly byId = new Map<string, StoredTenant>();
  private seen = new Date(0);
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly db: SqlClient) {}

  /** The live tenants' specs, in id order. */
  specs(): AddedTenantConfig[] {
    return [...this.byId.values()].map((t) => t.spec).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Calls `listener` after each read that changed a tenant (here or on another instance). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  list(): StoredTenant[] {
    return this.specs().map((s) => this.byId.get(s.id) as StoredTenant);
  }

  get(id: string): StoredTenant | undefined {
    return this.byId.get(id);
  }

  /** Adds a tenant; undefined when a live one has the id already (a deleted one's id may be used again). */
  async create(spec: AddedTenantConfig, actor: string): Promise<StoredTenant | undefined> {
    const row = await this.db.transaction(async (tx) => {
      const [added] = await tx.query<TenantRow>(
        `INSERT INTO tenants (id, spec) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET spec = EXCLUDED.spec, created_at = now(), updated_at = clock_timestamp(),
           deleted_at = NULL
         WHERE tenants.deleted_at IS NOT NULL
         RETURNING ${COLUMNS}`,
        [spec.id, JSON.stringify(spec)],
      );
      if (added) await audit(tx, actor, 'tenant.create', spec.id, null, spec);
      return added;
    });
    return row && this.took(row);
  }

  /**
   * Changes a live tenant's spec: `change` makes the new one from the stored one, under the row's lock, so two
   * changes at once (on two instances) both count. Undefined when there is no such tenant; what `change` throws
   * (the new spec refused) leaves it as it was.
   */
  async update(
    id: string,
    change: (before: AddedTenantConfig) => AddedTenantConfig,
    actor: string,
  ): Promise<StoredTenant | undefined> {
    const row = await this.db.transaction(async (tx) => {
      const [before] = await tx.query<TenantRow>(
        `SELECT ${COLUMNS} FROM tenants WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
        [id],
      );
      if (!before) return undefined;
      const spec = change(before.spec);
      const [after] = await tx.query<TenantRow>(
        `UPDATE tenants SET spec = $2, updated_at = clock_timestamp() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, JSON.stringify(spec)],
      );
      await audit(tx, actor, 'tenant.update', id, before.spec, spec);
      return after;
    });
    return row && this.took(row);
  }

  /** Deletes a tenant, refused while any of its keys still works (revoke them first). */
  async remove(id: string, actor: string, nowMs: number): Promise<TenantRemoval> {
    const row = await this.db.transaction(async (tx) => {
      const [before] = await tx.query<TenantRow>(
        `SELECT ${COLUMNS} FROM tenants WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
        [id],
      );
      if (!before) return undefined;
      const live = await tx.query(
        'SELECT 1 FROM api_keys WHERE tenant = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) LIMIT 1',
        [id, new Date(nowMs)],
      );
      if (live.length > 0) return 'has_keys' as const;
      const [after] = await tx.query<TenantRow>(
        `UPDATE tenants SET deleted_at = $2, updated_at = clock_timestamp() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, new Date(nowMs)],
      );
      await audit(tx, actor, 'tenant.delete', id, before.spec, null);
      return after;
    });
    if (row === undefined || row === 'has_keys') return row;
    return this.took(row);
  }

  /** Reads the rows changed since the last read, by this instance or another. */
  async refresh(): Promise<void> {
    const rows = await this.db.query<TenantRow>(
      `SELECT ${COLUMNS} FROM tenants WHERE updated_at > $1 ORDER BY updated_at`,
      [new Date(this.seen.getTime() - LOOK_BACK_MS)],
    );
    this.apply(rows);
  }

  /** A row this instance wrote, taken in at once. */
  private took(row: TenantRow): StoredTenant {
    this.apply([row]);
    return toTenant(row);
  }

  /** Takes rows in; tells the listeners when a tenant changed. */
  private apply(rows: readonly TenantRow[]): void {
    let changed = false;
    for (const row of rows) {
      if (row.updated_at > this.seen) this.seen = row.updated_at;
      const held = this.byId.get(row.id);
      // A read that began before a change committed can bring the row as it was: the newer one held stays.
      if (held && Date.parse(held.updatedAt) > row.updated_at.getTime()) continue;
      if (row.deleted_at !== null) {
        changed = this.byId.delete(row.id) || changed;
        continue;
      }
      if (held && held.updatedAt === row.updated_at.toISOString()) continue;
      this.byId.set(row.id, toTenant(row));
      changed = true;
    }
    if (changed) for (const listener of this.listeners) listener();
  }
}
