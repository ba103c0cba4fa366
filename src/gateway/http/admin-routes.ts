import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConfigError } from '../../engine/errors.js';
import { formatUsd } from '../../engine/money.js';
import type { AppContext } from '../app-context.js';
import { GatewayError } from '../errors.js';

/** Whether the request carries this key (`Authorization: Bearer …` or `header`), compared in constant time. */
function presents(request: FastifyRequest, expected: string, header: string): boolean {
  const auth = request.headers.authorization;
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : request.headers[header];
  const a = Buffer.from(typeof given === 'string' ? given : '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function requireAdmin(request: FastifyRequest, ctx: AppContext): void {
  const expected = ctx.runtime.current.loaded.file.server?.admin_key;
  if (!expected) throw new GatewayError('admin_disabled', 'The admin API is off: set server.admin_key in the config.');
  if (!presents(request, expected, 'x-admin-key'))
    throw new GatewayError('invalid_admin_key', 'This endpoint needs the admin key.');
}

const usd = (pico: bigint | undefined) => (pico === undefined ? null : formatUsd(pico, 6));

/**
 * Operators' endpoints: `/metrics` (behind the metrics key when one is set, else the admin key), and behind
 * the admin key spend, the live log segment and config reload.
 */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  // Metrics name tenants and their spend: behind `server.metrics_key` when one is set (the admin key works too).
  app.get('/metrics', async (request, reply) => {
    const server = ctx.runtime.current.loaded.file.server;
    const key = server?.metrics_key;
    if (
      key &&
      !presents(request, key, 'x-metrics-key') &&
      !(server.admin_key && presents(request, server.admin_key, 'x-admin-key'))
    ) {
      throw new GatewayError('invalid_metrics_key', 'This endpoint needs the metrics key.');
    }
    const text = await ctx.metrics.registry.metrics();
    return reply.header('content-type', ctx.metrics.registry.contentType).send(text);
  });

  app.get('/admin/spend', async (request) => {
    requireAdmin(request, ctx);
    const tenants = ctx.runtime.current.loaded.routing.tenants;
    const report = await ctx.ledger.report(ctx.clock.now());
    return {
      tenants: report.map((s) => {
        const budget = tenants.get(s.tenant)?.budget;
        const window = (settled: bigint, reserved: bigint, limit: bigint | undefined) => ({
          settled_usd: usd(settled),
          reserved_usd: usd(reserved),
          limit_usd: usd(limit),
          remaining_usd: limit === undefined ? null : usd(limit - settled - reserved),
        });
        return {
          tenant: s.tenant,
          daily: window(s.daySettled, s.dayReserved, budget?.dailyPico),
          monthly: window(s.monthSettled, s.monthReserved, budget?.monthlyPico),
          by_route_today: Object.fromEntries([...s.dayByRoute].map(([route, pico]) => [route, usd(pico)])),
        };
      }),
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
    requireAdmin(request, ctx);
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
