import { parsePositiveInt } from '../cli-error.js';
import { createTable, renderTable } from '../table.js';
import { adminCall, defined, listOf, usdOf, type AdminTarget } from './admin-client.js';

export interface KeyCreateOptions extends AdminTarget {
  tenant: string;
  name?: string;
  models?: string;
  tags?: string;
  dailyUsd?: string;
  monthlyUsd?: string;
  rpm?: string;
  tpm?: string;
  concurrent?: string;
  expiresIn?: string;
  json?: boolean;
}

export interface KeyListOptions extends AdminTarget {
  tenant?: string;
  json?: boolean;
}

export interface KeyRotateOptions extends AdminTarget {
  graceSeconds?: string;
  json?: boolean;
}

type Key = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const positive = (v: string | undefined, flag: string) => (v === undefined ? undefined : parsePositiveInt(v, flag));

/** The body of `POST /admin/keys` from the flags: only what was given. */
function createBody(o: KeyCreateOptions) {
  const budget = defined({
    daily_usd: usdOf(o.dailyUsd, '--daily-usd'),
    monthly_usd: usdOf(o.monthlyUsd, '--monthly-usd'),
  });
  const limits = defined({
    rpm: positive(o.rpm, '--rpm'),
    tpm: positive(o.tpm, '--tpm'),
    concurrent: positive(o.concurrent, '--concurrent'),
  });
  return defined({
    tenant: o.tenant,
    name: o.name,
    models: listOf(o.models),
    default_tags: listOf(o.tags),
    expires_in: o.expiresIn,
    budget: Object.keys(budget).length > 0 ? budget : undefined,
    limits: Object.keys(limits).length > 0 ? limits : undefined,
  });
}

/** The one time a key is seen: printed with a warning to keep it, or as JSON. */
function printNewKey(key: Key, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(key, null, 2));
    return;
  }
  console.log(`${key.id}  tenant ${key.tenant}${key.name ? `  name ${key.name}` : ''}`);
  console.log(key.key);
  console.error('This is the only time the key is shown: store it now.');
}

export async function createKey(o: KeyCreateOptions): Promise<void> {
  printNewKey(await adminCall(o, 'POST', '/admin/keys', createBody(o)), o.json);
}

const budgetText = (b: Key['budget']) =>
  b
    ? [
        b.daily_usd === undefined ? '' : `$${b.daily_usd}/day`,
        b.monthly_usd === undefined ? '' : `$${b.monthly_usd}/month`,
      ]
        .filter(Boolean)
        .join(' ')
    : '';

function status(k: Key): string {
  if (k.revoked_at) return 'revoked';
  if (k.expires_at && Date.parse(k.expires_at as string) <= Date.now()) return 'expired';
  return 'live';
}

export async function listKeys(o: KeyListOptions): Promise<void> {
  const query = o.tenant ? `?tenant=${encodeURIComponent(o.tenant)}` : '';
  const { data } = (await adminCall(o, 'GET', `/admin/keys${query}`)) as { data: Key[] };
  if (o.json) {
    console.log(JSON.stringify(data, null, 2));
    return;
  }
  const table = createTable(
    ['id', 'name', 'tenant', 'prefix', 'status', 'today $', 'month $', 'budget', 'last used', 'expires'],
    ['left', 'left', 'left', 'left', 'left', 'right', 'right', 'left', 'left', 'left'],
  );
  for (const k of data)
    table.push([
      k.id,
      k.name ?? '',
      k.tenant,
      k.prefix,
      status(k),
      k.spend.today_usd,
      k.spend.month_usd,
      budgetText(k.budget),
      k.last_used_at ?? 'never',
      k.expires_at ?? 'never',
    ]);
  console.log(data.length === 0 ? 'No keys.' : renderTable(table));
}

export async function revokeKey(id: string, o: AdminTarget & { json?: boolean }): Promise<void> {
  const key = await adminCall(o, 'DELETE', `/admin/keys/${encodeURIComponent(id)}`);
  console.log(o.json ? JSON.stringify(key, null, 2) : `revoked ${key.id} (tenant ${key.tenant})`);
}

export async function rotateKey(id: string, o: KeyRotateOptions): Promise<void> {
  const grace = o.graceSeconds === undefined ? undefined : Number(o.graceSeconds);
  const body = defined({ grace_seconds: grace === undefined ? undefined : positiveOrZero(grace, o.graceSeconds) });
  printNewKey(await adminCall(o, 'POST', `/admin/keys/${encodeURIComponent(id)}/rotate`, body), o.json);
}

function positiveOrZero(n: number, raw: string | undefined): number {
  if (Number.isInteger(n) && n >= 0) return n;
  return parsePositiveInt(raw ?? '', '--grace-seconds');
}
