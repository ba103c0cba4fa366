import { readDataFile } from '../../config/read-data-file.js';
import { UsageError } from '../cli-error.js';
import { createTable, renderTable } from '../table.js';
import { adminCall, defined, listOf, usdOf, type AdminTarget } from './admin-client.js';

/** A tenant's fields from flags, or all of them from a YAML or JSON file (`--spec`), as in the config file. */
export interface TenantSpecOptions extends AdminTarget {
  spec?: string;
  models?: string;
  tags?: string;
  dailyUsd?: string;
  monthlyUsd?: string;
  onExceed?: string;
  sloMs?: string;
  autoTag?: boolean;
  json?: boolean;
}

type Tenant = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function specOf(o: TenantSpecOptions): Promise<Record<string, unknown>> {
  const fromFile = o.spec === undefined ? {} : await readDataFile(o.spec, o.spec);
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile))
    throw new UsageError(`${o.spec} must hold one tenant's fields (a mapping)`);
  const budget = defined({
    daily_usd: usdOf(o.dailyUsd, '--daily-usd'),
    monthly_usd: usdOf(o.monthlyUsd, '--monthly-usd'),
    on_exceed: o.onExceed,
  });
  return {
    ...fromFile,
    ...defined({
      models: listOf(o.models),
      default_tags: listOf(o.tags),
      slo_ms: o.sloMs === undefined ? undefined : Number(o.sloMs),
      auto_tag: o.autoTag,
      budget: Object.keys(budget).length > 0 ? budget : undefined,
    }),
  };
}

const print = (t: Tenant, json: boolean | undefined, done: string) =>
  console.log(json ? JSON.stringify(t, null, 2) : `${done} ${t.id}`);

export async function createTenant(id: string, o: TenantSpecOptions): Promise<void> {
  print(await adminCall(o, 'POST', '/admin/tenants', { ...(await specOf(o)), id }), o.json, 'created');
}

export async function updateTenant(id: string, o: TenantSpecOptions): Promise<void> {
  const changes = await specOf(o);
  if (Object.keys(changes).length === 0) throw new UsageError('nothing to change: give --spec or a field flag');
  print(await adminCall(o, 'PATCH', `/admin/tenants/${encodeURIComponent(id)}`, changes), o.json, 'updated');
}

export async function deleteTenant(id: string, o: AdminTarget & { json?: boolean }): Promise<void> {
  print(await adminCall(o, 'DELETE', `/admin/tenants/${encodeURIComponent(id)}`), o.json, 'deleted');
}

export async function listTenants(o: AdminTarget & { json?: boolean }): Promise<void> {
  const { data } = (await adminCall(o, 'GET', '/admin/tenants')) as { data: Tenant[] };
  if (o.json) {
    console.log(JSON.stringify(data, null, 2));
    return;
  }
  const table = createTable(['id', 'source', 'models', 'default tags', 'budget']);
  for (const t of data) {
    const b = t.budget ?? {};
    const budget = [
      b.daily_usd === undefined ? '' : `$${b.daily_usd}/day`,
      b.monthly_usd === undefined ? '' : `$${b.monthly_usd}/month`,
    ]
      .filter(Boolean)
      .join(' ');
    table.push([t.id, t.source, (t.models ?? ['any']).join(', '), (t.default_tags ?? []).join(', '), budget]);
  }
  console.log(renderTable(table));
}
