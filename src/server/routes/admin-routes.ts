import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { loadConfig } from '../../config/load-config.js';
import { ConfigError } from '../../engine/errors.js';
import { formatUsd } from '../../engine/money.js';
import { GatewayError } from '../errors.js';
import type { Gateway } from '../gateway.js';

function requireAdmin(request: FastifyRequest, gateway: Gateway): void {
  const expected = gateway.current.loaded.routing.file.server?.admin_key;
  if (!expected) throw new GatewayError(403, 'permission_error', 'admin_disabled', 'The admin API is off: set server.admin_key in the config.');
  const auth = request.headers.authorization;
  const given = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : request.headers['x-admin-key'];
  const a = Buffer.from(typeof given === 'string' ? given : '');
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new GatewayError(401, 'authentication_error', 'invalid_admin_key', 'This endpoint needs the admin key.');
}

const usd = (pico: bigint | undefined) => (pico === undefined ? null : formatUsd(pico, 6));

/** Operators' endpoints, behind the admin key: spend, the live log segment, and config reload. */
export function registerAdminRoutes(app: FastifyInstance, gateway: Gateway): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await gateway.metrics.registry.metrics();
    return reply.header('content-type', gateway.metrics.registry.contentType).send(text);
  });

  app.get('/admin/spend', async (request) => {
    requireAdmin(request, gateway);
    const now = gateway.now();
    const tenants = gateway.current.loaded.routing.tenants;
    return {
      tenants: gateway.ledger.snapshot(now).map((s) => {
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
    requireAdmin(request, gateway);
    return { rows: await gateway.log.liveRows() };
  });

  // Re-reads config and policies; keeps serving with the old ones if anything is wrong.
  app.post('/admin/reload', async (request, reply) => {
    requireAdmin(request, gateway);
    try {
      const { path, options } = gateway.current.loaded;
      const loaded = await loadConfig(path, options);
      await gateway.swap(loaded);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      request.log.warn({ problems: err.problems }, 'reload refused');
      return reply.code(400).send(new GatewayError(400, 'invalid_request_error', 'invalid_config', `Reload refused; still serving the previous config. ${err.message}`).toJSON());
    }
    request.log.info('config reloaded');
    return { status: 'reloaded', routes: gateway.current.loaded.routing.routes.length, rules: gateway.current.loaded.routing.policy.rules.length };
  });
}
