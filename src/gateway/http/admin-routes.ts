import { createHash, timingSafeEqual } from 'node:crypto';
import { parse as parseCookie } from 'cookie';
import { SESSION_COOKIE, sessionSecret } from '../dashboard/ui-sessions.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConfigError } from '../../engine/errors.js';
import { formatUsd } from '../../engine/money.js';
import type { AppContext } from '../app-context.js';
import type { TenantBudget } from '../../engine/routing-config.js';
import { cacheReport } from '../cache/cache-report.js';
import { GatewayError } from '../errors.js';
import { keyHolder, keyIdOf } from '../state/holders.js';
import type { TenantSpend } from '../state/spend-ledger.js';
import type { AdminCaller } from './admin-caller.js';

export type { AdminCaller };

/** Whether the request carries this key (`Authorization: Bearer …` or `header`), compared in constant time. */
function presents(request: FastifyRequest, expected: string, header: string): boolean {
  const auth = request.headers.authorization;
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : request.headers[header];
  const a = Buffer.from(typeof given === 'string' ? given : '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The dashboard session the request's cookie holds, when it is valid under the configured admin keys. */
export function sessionOf(request: FastifyRequest, ctx: AppContext) {
  const cookie = parseCookie(request.headers.cookie ?? '')[SESSION_COOKIE];
  return ctx.sessions.verify(cookie, sessionSecret(adminKeys(ctx).map((k) => k.key)));
}

/**
 * The dashboard's caller, from its session cookie; a write also needs the session's CSRF token in
 * `x-csrf-token` (a cookie alone is what a forged cross-site request would carry).
 */
function signedIn(request: FastifyRequest, ctx: AppContext, access: 'read' | 'write'): AdminCaller {
  const session = sessionOf(request, ctx);
  if (!session) throw new GatewayError('invalid_admin_key', 'Sign in again: the session has ended or is not valid.');
  if (access === 'write') {
    const token = request.headers['x-csrf-token'];
    const given = Buffer.from(typeof token === 'string' ? token : '');
    const expected = Buffer.from(session.csrf);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new GatewayError('invalid_admin_key', 'A write from the dashboard needs its CSRF token.');
    if (session.role !== 'admin')
      throw new GatewayError('admin_read_only', `Admin key '${session.name}' is a viewer: it may read, not change.`);
  }
  return { name: session.name, role: session.role };
}

const isAdmin = (request: FastifyRequest, ctx: AppContext) => {
  try {
    requireAdmin(request, ctx);
    return true;
  } catch {
    return false;
  }
};

const digest = (key: string) => createHash('sha256').update(key).digest();

/** The admin keys the config holds: `server.admin_keys`, and `server.admin_key` as an admin named `admin`. */
export function adminKeys(ctx: AppContext): { name: string; key: string; role: AdminCaller['role'] }[] {
  const server = ctx.runtime.current.loaded.file.server;
  return [
    ...(server?.admin_key ? [{ name: 'admin', key: server.admin_key, role: 'admin' as const }] : []),
    ...(server?.admin_keys ?? []),
  ];
}

/**
 * The admin caller of a request, or 401. `write`: a viewer gets 403 `admin_read_only`. Every configured key is
 * compared, each in constant time over its sha256, so the time taken says nothing of which came close.
 */
export function requireAdmin(request: FastifyRequest, ctx: AppContext, access: 'read' | 'write' = 'read'): AdminCaller {
  const keys = adminKeys(ctx);
  if (keys.length === 0)
    throw new GatewayError('admin_disabled', 'The admin API is off: set server.admin_key in the config.');
  const auth = request.headers.authorization;
  const header = request.headers['x-admin-key'];
  if (auth === undefined && header === undefined && request.headers.cookie !== undefined)
    return signedIn(request, ctx, access);
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : header;
  const presented = digest(typeof given === 'string' ? given : '');
  let found: AdminCaller | undefined;
  for (const k of keys) if (timingSafeEqual(presented, digest(k.key)) && !found) found = { name: k.name, role: k.role };
  if (!found) throw new GatewayError('invalid_admin_key', 'This endpoint needs an admin key.');
  if (access === 'write' && found.role !== 'admin')
    throw new GatewayError('admin_read_only', `Admin key '${found.name}' is a viewer: it may read, not change.`);
  return found;
}

const usd = (pico: bigint | undefined) => (pico === undefined ? null : formatUsd(pico, 6));

const spendWindow = (settled: bigint, reserved: bigint, limit: bigint | undefined) => ({
  settled_usd: usd(settled),
  reserved_usd: usd(reserved),
  limit_usd: usd(limit),
  remaining_usd: limit === undefined ? null : usd(limit - settled - reserved),
});

/**
 * Operators' endpoints: `/metrics` (behind the metrics key when one is set, else the admin key), and behind
 * the admin key spend, the live log segment and config reload.
 */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Metrics name tenants and their spend: behind `server.metrics_key` when one is set (the admin key works too).
  app.get('/metrics', async (request, reply) => {
    const server = ctx.runtime.current.loaded.file.server;
    const key = server?.metrics_key;
    if (key && !presents(request, key, 'x-metrics-key') && !isAdmin(request, ctx)) {
      throw new GatewayError('invalid_metrics_key', 'This endpoint needs the metrics key.');
    }
    const text = await ctx.metrics.registry.metrics();
    return reply.header('content-type', ctx.metrics.registry.contentType).send(text);
  });

  app.get('/admin/spend', async (request) => {
    requireAdmin(request, ctx);
    const tenants = ctx.runtime.current.loaded.routing.tenants;
    const report = await ctx.ledger.report(ctx.clock.now());
    const keys = new Map([...(ctx.store?.keys.all() ?? [])].map((k) => [keyHolder(k.id), k]));
    const windows = (s: TenantSpend, budget: TenantBudget | undefined) => ({
      daily: spendWindow(s.daySettled, s.dayReserved, budget?.dailyPico),
      monthly: spendWindow(s.monthSettled, s.monthReserved, budget?.monthlyPico),
      by_route_today: Object.fromEntries([...s.dayByRoute].map(([route, pico]) => [route, usd(pico)])),
    });
    return {
      tenants: report
        .filter((s) => keyIdOf(s.tenant) === undefined)
        .map((s) => ({ tenant: s.tenant, ...windows(s, tenants.get(s.tenant)?.budget) })),
      // Each virtual key's own spend (also counted in its tenant's).
      keys: report.flatMap((s) => {
        const id = keyIdOf(s.tenant);
        if (id === undefined) return [];
        const key = keys.get(s.tenant);
        return [{ key: id, tenant: key?.tenant ?? null, name: key?.name ?? null, ...windows(s, key?.ledgerBudget) }];
      }),
      ...(ctx.caches ? { cache: await cacheReport(ctx.metrics) } : {}),
    };
  });

  // Rows not yet rolled into a Parquet segment: readers of the log directory see the rest.
  app.get('/admin/log/live', async (request) => {
    requireAdmin(request, ctx);
    return { rows: await ctx.sink.liveRows() };
  });

  // Re-reads config and policies; keeps serving with the old ones if anything is wrong. With shared state, every
  // instance is asked to do the same, and the answer says how each one did.
  app.post('/admin/reload', async (request, reply) => {
    requireAdmin(request, ctx, 'write');
    const here = await reloadHere(ctx);
    if (!here.ok) {
      request.log.warn({ problems: here.message }, 'reload refused');
      return reply
        .code(400)
        .send(
          new GatewayError(
            'invalid_config',
            `Reload refused; still serving the previous config. ${here.message}`,
          ).toJSON(),
        );
    }
    request.log.info('config reloaded');
    const { routing } = ctx.runtime.current.loaded;
    const counts = { routes: routing.routes.length, rules: routing.policy.rules.length };
    if (!ctx.cluster) return { status: 'reloaded', ...counts };
    const others = await ctx.cluster.broadcast();
    const instances = [{ instance: ctx.cluster.instance, status: 'reloaded' }, ...others];
    return { status: others.every((o) => o.status === 'reloaded') ? 'reloaded' : 'partial', ...counts, instances };
  });
}

/** Reloads this instance's config; a refused one leaves the old config serving. */
export async function reloadHere(ctx: AppContext): Promise<{ ok: true } | { ok: false; message: string }> {
  try {
    await ctx.runtime.swap(await ctx.reload());
    return { ok: true };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { ok: false, message: err.message };
  }
}
