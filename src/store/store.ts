import { CHANGE_CHANNEL, audit } from './audit.js';
import { KeyStore } from './key-store.js';
import type { SqlClient } from './sql-client.js';
import { TenantStore } from './tenant-store.js';

/** How often each instance reads what changed, when no notice came (a lost listening connection, say). */
const POLL_MS = 500;

/**
 * The store (`store:` in the config): virtual keys and added tenants held in memory, the audit trail, and the
 * claims that make a budget alert go out once. Every instance reads a change as soon as Postgres notifies it
 * (`LISTEN`), and in any case within `POLL_MS`; requests never wait for the database.
 */
export class Store {
  readonly keys: KeyStore;
  readonly tenants: TenantStore;
  private timer: NodeJS.Timeout | undefined;
  private healthy = true;
  private stopListening: (() => Promise<void>) | undefined;
  /** A listen under way: the poll does not start another meanwhile. */
  private listening: Promise<void> | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private closed = false;

  private constructor(
    private readonly db: SqlClient,
    clock: { now(): number },
  ) {
    this.keys = new KeyStore(db, clock);
    this.tenants = new TenantStore(db);
  }

  /** The store read once (keys and tenants), then kept current. */
  static async open(db: SqlClient, clock: { now(): number }, pollMs = POLL_MS): Promise<Store> {
    const store = new Store(db, clock);
    await store.read();
    await store.listen();
    store.timer = setInterval(() => {
      if (!store.stopListening && !store.listening) void store.listen();
      void store.refresh();
    }, pollMs);
    store.timer.unref();
    return store;
  }

  /** Whether the last read of the store worked: when not, keys and tenants are served as last read. */
  ready(): boolean {
    return this.healthy;
  }

  /** Reads what changed now; a read asked for while one runs runs once more after it (never two at once). */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.read()
      .then(
        () => (this.healthy = true),
        () => (this.healthy = false),
      )
      .then(() => {
        this.reading = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          return this.refresh();
        }
      });
    return this.reading;
  }

  /**
   * Claims a budget alert for `holder`'s window and threshold: true for the one instance that claimed it first,
   * which sends it (and writes its audit row); false for every other.
   */
  async claimAlert(holder: string, windowStart: string, percent: number): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO alerts_sent (holder, window_start, percent) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING percent`,
      [holder, windowStart, percent],
    );
    return rows.length > 0;
  }

  /** An audit row for something the gateway did by itself (`actor` says what: an alert sent, say). */
  async record(actor: string, action: string, target: string, after: unknown): Promise<void> {
    await this.db.transaction((tx) => audit(tx, actor, action, target, null, after));
  }

  async auditTrail(limit: number): Promise<Record<string, unknown>[]> {
    return this.db.query(
      'SELECT id::text, at, actor, action, target, before, after FROM audit ORDER BY id DESC LIMIT $1',
      [limit],
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.listening;
    await this.stopListening?.();
    await this.reading;
    await this.db.close();
  }

  private async read(): Promise<void> {
    await this.keys.refresh();
    await this.tenants.refresh();
  }

  /** Listens for changes; a failure leaves polling to cover until the next tick tries again. */
  private listen(): Promise<void> {
    this.listening = this.db
      .listen(
        CHANGE_CHANNEL,
        () => void this.refresh(),
        () => (this.stopListening = undefined),
      )
      .then(
        async (stop) => {
          // Closed while connecting: this listener is not kept.
          if (this.closed) await stop();
          else this.stopListening = stop;
        },
        () => (this.stopListening = undefined),
      )
      .finally(() => (this.listening = undefined));
    return this.listening;
  }
}
