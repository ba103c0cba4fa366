import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { serialize } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { picoToUsdNumber } from '../../engine/money.js';
import type { AppContext } from '../app-context.js';
import { GatewayError } from '../errors.js';
import { adminKeys, requireAdmin, sessionOf } from '../http/admin-routes.js';
import { keyIdOf } from '../state/holders.js';
import { cacheReport } from '../cache/cache-report.js';
import type { LogQueries } from './log-queries.js';
import type { DecisionFilters, SpendDimension, SpendRange } from './log-queries.js';
import { SESSION_COOKIE, SESSION_MS, sessionSecret } from './ui-sessions.js';

/** The built page: `dist/ui` beside `dist/gateway` (from the sources, the built one: `npm run build` makes it). */
const UI_DIR = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../../../dist/ui/', import.meta.url)
    : new URL('../../ui/', import.meta.url),
);
/** The package's own scenarios, offered on the crossover page beside those next to the config. */
const PACKAGE_SCENARIOS = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
/** How long a wrong key waits for its answer: a guess a second at most per connection. */
const WRONG_KEY_DELAY_MS = 750;
const LIVE_EVERY_MS = 1000;

const TURN_IT_ON = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchyard</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}code{background:#eef1f4;padding:0 .25rem}</style></head>
<body><h1>The dashboard is off</h1><p>It signs you in with an admin key, and this gateway has none.
Set one in the config and restart (or reload):</p><pre><code>server:
  admin_key: \${SWITCHYARD_ADMIN_KEY}</code></pre><p>then open <code>/ui</code> again and sign in with that key.</p></body></html>`;

const SignIn = Type.Object({ key: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });
const DecisionQuery = Type.Object(
  {
    tenant: Type.Optional(Type.String({ maxLength: 200 })),
    model: Type.Optional(Type.String({ maxLength: 200 })),
    route: Type.Optional(Type.String({ maxLength: 200 })),
    tag: Type.Optional(Type.String({ maxLength: 200 })),
    level: Type.Optional(Type.String({ maxLength: 200 })),
    outcome: Type.Optional(Type.String({ maxLength: 100 })),
    before_ts: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    before_id: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const SpendQuery = Type.Object(
  {
    by: Type.Optional(
      Type.Union([
        Type.Literal('tenant'),
        Type.Literal('key'),
        Type.Literal('model'),
        Type.Literal('route'),
        Type.Literal('tag'),
      ]),
    ),
    range: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')])),
  },
  { additionalProperties: false },
);
const CrossoverQuery = Type.Object(
  {
    scenario: Type.String({ minLength: 1, maxLength: 300 }),
    days: Type.Optional(Type.String({ pattern: '^([1-9]|[12][0-9]|30)$' })),
  },
  { additionalProperties: false },
);

const ASSET_TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

/**
 * The built assets, read once: a handful of files whose names carry their content's hash, so they are served for
 * a year (`immutable`). Served here rather than by @fastify/static, which costs every gateway ≈13 MB of memory
 * (measured: RSS after importing it) for three files.
 */
function registerAssets(app: FastifyInstance): void {
  const dir = join(UI_DIR, 'assets');
  const files = new Map(
    readdirSync(dir)
      .filter((f) => ASSET_TYPES[f.split('.').pop() ?? ''] !== undefined)
      .map((f) => [f, { type: ASSET_TYPES[f.split('.').pop() ?? ''] as string, body: readFileSync(join(dir, f)) }]),
  );
  app.get<{ Params: { file: string } }>('/ui/assets/:file', async (request, reply) => {
    const file = files.get(request.params.file);
    if (!file) throw new GatewayError('not_found', `No asset ${request.params.file}.`);
    return reply.header('cache-control', 'public, max-age=31536000, immutable').type(file.type).send(file.body);
  });
}

const digest = (key: string) => createHash('sha256').update(key).digest();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scenario files the crossover page offers: beside the config, then the package's own. */
function scenarioFiles(configPath: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of [dirname(configPath), join(dirname(configPath), 'scenarios'), PACKAGE_SCENARIOS])
    if (existsSync(dir))
      for (const f of readdirSync(dir)
        .filter((f) => f.endsWith('.scenario.yaml'))
        .sort())
        if (!found.has(f)) found.set(f, resolve(dir, f));
  return found;
}

/**
 * What the overview shows now: the last minute, the totals `/metrics` counts, spend against budget, and the response
 * cache's hits and savings.
 */
async function overview(ctx: AppContext) {
  const now = ctx.clock.now();
  const { routing } = ctx.runtime.current.loaded;
  const requests = await ctx.metrics.registry.getSingleMetric('switchyard_requests_total')?.get();
  const denied = await ctx.metrics.registry.getSingleMetric('switchyard_denied_total')?.get();
  const report = await ctx.ledger.report(now).catch(() => []);
  return {
    at: now,
    live: ctx.live.snapshot(now),
    requests_total: (requests?.values ?? []).reduce((n, v) => n + v.value, 0),
    denied_total: Object.fromEntries((denied?.values ?? []).map((v) => [String(v.labels.code), v.value])),
    spend: report
      .filter((s) => keyIdOf(s.tenant) === undefined)
      .map((s) => {
        const budget = routing.tenants.get(s.tenant)?.budget;
        return {
          tenant: s.tenant,
          today_usd: picoToUsdNumber(s.daySettled),
          reserved_usd: picoToUsdNumber(s.dayReserved),
          daily_limit_usd: budget?.dailyPico === undefined ? null : picoToUsdNumber(budget.dailyPico),
        };
      }),
    ...(ctx.caches ? { cache: await cacheReport(ctx.metrics) } : {}),
  };
}

/** Each route: its circuit, requests in flight, the limit it is at, observed p95 against its configured one. */
function routesNow(ctx: AppContext) {
  const now = ctx.clock.now();
  return ctx.runtime.current.loaded.routing.routes.map((r) => {
    const health = ctx.health.get(r.id);
    return {
      id: r.id,
      kind: r.kind,
      clearance: r.clearance,
      circuit: ctx.health.circuitState(r.id),
      in_flight: health?.inFlight ?? 0,
      rate_limited: ctx.limiter.routeLimited(r.id, now) ?? null,
      configured_p95_ms: r.latencyPrior.p95Ms ?? null,
      observed: Object.fromEntries(
        [...(health?.latency ?? new Map())].map(([model, l]) => [
          model,
          { p50_ms: l.p50Ms, p95_ms: l.p95Ms, samples: l.samples },
        ]),
      ),
    };
  });
}

/** The rows as CSV, for the spend page's download. */
function csv(rows: readonly Record<string, unknown>[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = Object.keys(rows[0] ?? { at: 0, name: '', usd: 0, requests: 0, tokens: 0 });
  return [head.join(','), ...rows.map((r) => head.map((h) => cell(r[h])).join(','))].join('\n') + '\n';
}

/**
 * The dashboard at `/ui`: the built page and its assets (cached; nothing from a CDN), sign-in with an admin or
 * viewer key into a signed session cookie, and the JSON the pages read. The pages also call `/admin/*` with the
 * cookie (writes with the session's CSRF token).
 */
export function registerDashboardRoutes(app: FastifyInstance, ctx: AppContext, queries: LogQueries): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const hasUi = existsSync(join(UI_DIR, 'index.html'));
  if (hasUi) registerAssets(app);
  const page = (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8');
    if (adminKeys(ctx).length === 0) return reply.send(TURN_IT_ON);
    if (!hasUi) return reply.code(503).send('The dashboard was not built: run npm run build.');
    return reply.send(readFileSync(join(UI_DIR, 'index.html')));
  };
  app.get('/ui', page);
  app.get('/ui/', page);

  typed.post('/ui/api/session', { schema: { body: SignIn } }, async (request, reply) => {
    const keys = adminKeys(ctx);
    if (keys.length === 0) throw new GatewayError('admin_disabled', 'The admin API is off: set server.admin_key.');
    const given = digest(request.body.key);
    const found = keys.find((k) => timingSafeEqual(given, digest(k.key)));
    if (!found) {
      await sleep(WRONG_KEY_DELAY_MS);
      throw new GatewayError('invalid_admin_key', 'That is not an admin or viewer key of this gateway.');
    }
    const session = ctx.sessions.issue({ name: found.name, role: found.role }, sessionSecret(keys.map((k) => k.key)));
    reply.header(
      'set-cookie',
      serialize(SESSION_COOKIE, session.cookie, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        path: '/',
        maxAge: SESSION_MS / 1000,
      }),
    );
    // The pages are about to ask: the query thread starts now and rolls the log's spend up meanwhile.
    queries.warm();
    return { name: found.name, role: found.role, csrf: session.csrf };
  });

  app.delete('/ui/api/session', async (request, reply) => {
    const session = sessionOf(request, ctx);
    if (session) ctx.sessions.revoke(session.sid);
    reply.header(
      'set-cookie',
      serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 0 }),
    );
    return { signed_out: true };
  });

  app.get('/ui/api/me', async (request) => {
    const who = requireAdmin(request, ctx);
    return { ...who, csrf: sessionOf(request, ctx)?.csrf ?? null };
  });

  registerDataRoutes(app, ctx, queries);
}

/** What the pages read: the overview (once, or every second), routes, decisions, spend and the crossover. */
function registerDataRoutes(app: FastifyInstance, ctx: AppContext, queries: LogQueries): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/ui/api/overview', async (request) => {
    requireAdmin(request, ctx);
    return overview(ctx);
  });

  // Server-sent events: the overview every second while the page is open.
  app.get('/ui/api/live', async (request, reply) => {
    requireAdmin(request, ctx);
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = async () => out.write(`data: ${JSON.stringify(await overview(ctx))}\n\n`);
    await send();
    const timer = setInterval(() => void send().catch(() => undefined), LIVE_EVERY_MS);
    request.raw.on('close', () => clearInterval(timer));
  });

  app.get('/ui/api/routes', async (request) => {
    requireAdmin(request, ctx);
    const failures = await queries.ask<Record<string, unknown>[]>({
      kind: 'decisions',
      filters: { outcome: 'error', limit: 100 },
    });
    return { routes: routesNow(ctx), recent_failures: failures };
  });

  typed.get('/ui/api/decisions', { schema: { querystring: DecisionQuery } }, async (request) => {
    requireAdmin(request, ctx);
    const q = request.query;
    const filters: DecisionFilters = {
      ...q,
      ...(q.before_ts === undefined ? {} : { beforeTs: Number(q.before_ts) }),
      ...(q.before_id === undefined ? {} : { beforeId: q.before_id }),
    };
    return { rows: await queries.ask({ kind: 'decisions', filters }) };
  });

  typed.get(
    '/ui/api/decisions/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 100 }) }) } },
    async (request) => {
      requireAdmin(request, ctx);
      const row = await queries.ask<Record<string, unknown> | null>({ kind: 'decision', requestId: request.params.id });
      if (!row) throw new GatewayError('not_found', `No logged request ${request.params.id}.`);
      return row;
    },
  );

  typed.get('/ui/api/spend', { schema: { querystring: SpendQuery } }, async (request, reply) => {
    requireAdmin(request, ctx);
    const by: SpendDimension = request.query.by ?? 'tenant';
    const range: SpendRange = request.query.range ?? 'week';
    const result = await queries.ask<{ bucket: string; rows: Record<string, unknown>[] }>({ kind: 'spend', by, range });
    if (request.headers.accept === 'text/csv')
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="spend-by-${by}-${range}.csv"`)
        .send(csv(result.rows.map((r) => ({ ...r, at: new Date(Number(r.at)).toISOString() }))));
    return { by, range, ...result };
  });

  app.get('/ui/api/scenarios', async (request) => {
    requireAdmin(request, ctx);
    return { scenarios: [...scenarioFiles(ctx.runtime.current.loaded.path).keys()] };
  });

  typed.get('/ui/api/crossover', { schema: { querystring: CrossoverQuery } }, async (request) => {
    requireAdmin(request, ctx);
    const path = scenarioFiles(ctx.runtime.current.loaded.path).get(basename(request.query.scenario));
    if (!path) throw new GatewayError('not_found', `No scenario ${request.query.scenario}.`, { param: 'scenario' });
    try {
      return await queries.ask({ kind: 'crossover', scenario: path, days: Number(request.query.days ?? 7) });
    } catch (err) {
      throw new GatewayError('invalid_request', `The crossover could not be computed: ${(err as Error).message}`);
    }
  });
}
