import { request } from 'undici';
import type { AlertsConfig } from '../../engine/config-schema.js';
import { picoToUsdNumber } from '../../engine/money.js';
import type { TenantBudget } from '../../engine/routing-config.js';
import type { SpendLedger } from '../state/spend-ledger.js';

/** The thresholds when `alerts.at_percent` is not given. */
export const DEFAULT_ALERT_PERCENTS: readonly number[] = [80, 95, 100];

/** Whose budget an alert watches: a tenant or a virtual key, with what it may spend and where to tell. */
export interface AlertTarget {
  readonly kind: 'tenant' | 'key';
  readonly id: string;
  readonly tenant: string;
  readonly budget: TenantBudget;
  readonly alerts: AlertsConfig;
}

/**
 * Who sends an alert: the first instance to claim a holder's window and threshold (a store row, a Redis
 * `SET NX`, or this process alone); every other instance finds it claimed.
 */
export interface AlertClaims {
  claim(holder: string, windowStart: string, percent: number): Promise<boolean>;
}

/** What an alert leaves in the audit trail: sent, or given up after its retries. */
export type AlertAudit = (action: 'alert.sent' | 'alert.failed', target: string, detail: unknown) => Promise<void>;

export interface BudgetAlertOptions {
  readonly ledger: Pick<SpendLedger, 'settled'>;
  readonly claims: AlertClaims;
  readonly audit: AlertAudit;
  /** The budget and alerts of a ledger holder (a tenant id or `key/<id>`); undefined when it has no alerts. */
  readonly targetOf: (holder: string) => AlertTarget | undefined;
  readonly onError: (err: unknown) => void;
  /** Waits between a failed delivery and the next (the default backs off 0.5, 1, 2, 4 s). */
  readonly backoffMs?: readonly number[];
  readonly sleep?: (ms: number) => Promise<void>;
}

const DAY_MS = 86_400_000;
const DEFAULT_BACKOFF_MS = [500, 1000, 2000, 4000];

/** This process, alone: for a gateway with neither a store nor shared state. */
export class LocalAlertClaims implements AlertClaims {
  private readonly claimed = new Set<string>();
  async claim(holder: string, windowStart: string, percent: number): Promise<boolean> {
    const id = `${holder}|${windowStart}|${percent}`;
    if (this.claimed.has(id)) return false;
    this.claimed.add(id);
    return true;
  }
}

/**
 * Budget alerts: after a request's spend is settled, each threshold of its tenant's and its key's budgets that the
 * window's settled spend has crossed is claimed and, by the instance that claimed it, posted to the webhook as
 * JSON — once per window and threshold, however many instances see it. A failed post is retried with backoff;
 * sent or given up, it is an audit row. Nothing here holds a request up.
 */
export class BudgetAlerts {
  /** Thresholds this instance has seen claimed (by itself or another): not asked about again. */
  private readonly done = new Set<string>();
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly options: BudgetAlertOptions) {}

  /** Checks a holder's windows after a settlement; the posts run in the background (see `idle`). */
  afterSettle(holder: string, nowMs: number): void {
    const target = this.options.targetOf(holder);
    if (!target) return;
    const work = this.check(holder, target, nowMs).catch(this.options.onError);
    this.sending.add(work);
    void work.finally(() => this.sending.delete(work));
  }

  /** Resolves when every alert under way has been sent or given up (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.sending.size > 0) await Promise.all([...this.sending]);
  }

  private async check(holder: string, target: AlertTarget, nowMs: number): Promise<void> {
    const percents = target.alerts.at_percent ?? DEFAULT_ALERT_PERCENTS;
    const dayStart = new Date(Math.floor(nowMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
    const monthStart = new Date(nowMs).toISOString().slice(0, 7);
    const windows = [
      { window: 'daily', start: dayStart, limit: target.budget.dailyPico },
      { window: 'monthly', start: monthStart, limit: target.budget.monthlyPico },
    ] as const;
    const pending = windows.flatMap((w) =>
      w.limit === undefined || w.limit === 0n
        ? []
        : percents.filter((p) => !this.done.has(`${holder}|${w.start}|${p}`)).map((p) => ({ ...w, percent: p })),
    );
    if (pending.length === 0) return;
    const settled = await this.options.ledger.settled(holder, nowMs);
    for (const w of pending) {
      const spent = w.window === 'daily' ? settled.dailyPico : settled.monthlyPico;
      if (spent * 100n < (w.limit as bigint) * BigInt(w.percent)) continue;
      // Marked done once the claim has answered: a claim that failed (the store away) is tried again next time.
      const claimed = await this.options.claims.claim(holder, w.start, w.percent);
      this.done.add(`${holder}|${w.start}|${w.percent}`);
      if (!claimed) continue;
      await this.deliver(target, {
        type: 'budget_alert',
        [target.kind]: target.id,
        tenant: target.tenant,
        window: w.window,
        window_start: w.start,
        threshold_percent: w.percent,
        spent_usd: picoToUsdNumber(spent),
        limit_usd: picoToUsdNumber(w.limit as bigint),
        at: new Date(nowMs).toISOString(),
      });
    }
  }

  private async deliver(target: AlertTarget, payload: Record<string, unknown>): Promise<void> {
    const backoff = this.options.backoffMs ?? DEFAULT_BACKOFF_MS;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
    const subject = `${target.kind} ${target.id}`;
    let last = '';
    for (let attempt = 0; attempt <= backoff.length; attempt++) {
      if (attempt > 0) await sleep(backoff[attempt - 1] as number);
      try {
        const res = await request(target.alerts.webhook_url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'switchyard-alerts' },
          body: JSON.stringify(payload),
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await res.body.dump();
        if (res.statusCode < 300) {
          await this.options.audit('alert.sent', subject, { ...payload, attempts: attempt + 1 });
          return;
        }
        last = `status ${res.statusCode}`;
      } catch (err) {
        last = (err as Error).message;
      }
    }
    await this.options.audit('alert.failed', subject, { ...payload, attempts: backoff.length + 1, last_error: last });
  }
}
