import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Tenant } from '../../engine/routing-config.js';
import type { KeyStore, StoredKey } from '../../store/key-store.js';
import type { AppContext } from '../app-context.js';
import { GatewayError, invalidRequest } from '../errors.js';
import { requireAdmin } from './admin-routes.js';

const CreateKeyBody = Type.Object(
  {
    tenant: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    models: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1000 })),
    default_tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
    /** `30d`, `12h`, `45m`, `90s`. */
    expires_in: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,6}[smhd]$' })),
  },
  { additionalProperties: false },
);
type CreateKey = Static<typeof CreateKeyBody>;

const RotateBody = Type.Object(
  { grace_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400 })) },
  { additionalProperties: false },
);
const KeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ListQuery = Type.Object(
  { tenant: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);
const AuditQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) });

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A key as the admin API shows it: everything but the key, which is shown once, when it is created. */
const shown = (k: StoredKey) => ({
  id: k.id,
  tenant: k.tenant,
  name: k.name,
  prefix: k.prefix,
  models: k.models,
  default_tags: k.defaultTags,
  metadata: k.metadata,
  created_at: k.createdAt,
  expires_at: k.expiresAt,
  revoked_at: k.revokedAt,
});

/** When a new key stops working, in epoch ms: `expires_at`, or now plus `expires_in`; never in the past. */
function expiryOf(body: CreateKey, nowMs: number): number | undefined {
  if (body.expires_at !== undefined && body.expires_in !== undefined)
    throw invalidRequest('Give expires_at or expires_in, not both.', 'expires_at');
  if (body.expires_in !== undefined)
    return nowMs + Number(body.expires_in.slice(0, -1)) * UNIT_MS[body.expires_in.slice(-1) as keyof typeof UNIT_MS];
  if (body.expires_at === undefined) return undefined;
  const at = Date.parse(body.expires_at);
  if (at <= nowMs) throw invalidRequest(`expires_at ${body.expires_at} is in the past.`, 'expires_at');
  return at;
}

/** A key narrows its tenant: its models are the tenant's (or a part of them), its tags ones the config knows. */
function checkNarrows(body: CreateKey, tenant: Tenant, knownTags: ReadonlySet<string>): void {
  const outside = (body.models ?? []).filter((m) => tenant.models && !tenant.models.has(m));
  if (outside.length > 0)
    throw invalidRequest(`Tenant ${tenant.id} may not use ${outside.join(', ')}: a key cannot widen it.`, 'models');
  const unknown = (body.default_tags ?? []).filter((t) => !knownTags.has(t));
  if (unknown.length > 0) throw invalidRequest(`Unknown tag(s): ${unknown.join(', ')}.`, 'default_tags');
}

/** The store, or 501 when the config has none. */
function storeOf(ctx: AppContext): KeyStore {
  if (!ctx.keys)
    throw new GatewayError(
      'store_not_configured',
      'Keys through the admin API need a store: set store: { path: ./switchyard-data } (embedded) or store: { url: postgres://… }.',
    );
  return ctx.keys;
}

/** Runs a store call; a store that does not answer is 503 `store_unavailable` (requests go on meanwhile). */
async function stored<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('store_unavailable', 'The store does not answer; nothing was changed. Retry shortly.', {
      cause: err,
    });
  }
}

const notFound = (id: string) => new GatewayError('not_found', `No key ${id}.`, { param: 'id' });

/** Virtual keys through the admin API (`store:` in the config), and the audit trail of every change. */
export function registerKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const admin = (request: FastifyRequest) => {
    requireAdmin(request, ctx);
    return storeOf(ctx);
  };

  typed.post('/admin/keys', { schema: { body: CreateKeyBody } }, async (request, reply) => {
    const store = admin(request);
    const { body } = request;
    const { routing } = ctx.runtime.current.loaded;
    const tenant = routing.tenants.get(body.tenant);
    if (!tenant) throw invalidRequest(`No tenant ${body.tenant}.`, 'tenant');
    checkNarrows(body, tenant, routing.knownTags);
    const expiresAtMs = expiryOf(body, ctx.clock.now());
    const created = await stored(() =>
      store.create(
        {
          tenant: tenant.id,
          name: body.name,
          models: body.models,
          defaultTags: body.default_tags,
          metadata: body.metadata,
          expiresAtMs,
        },
        'admin',
      ),
    );
    return reply.code(201).send({ ...shown(created.record), key: created.key });
  });

  typed.get('/admin/keys', { schema: { querystring: ListQuery } }, async (request) => {
    const store = admin(request);
    return { data: (await stored(() => store.list(request.query.tenant))).map(shown) };
  });

  typed.get('/admin/keys/:id', { schema: { params: KeyParams } }, async (request) => {
    const store = admin(request);
    const key = await stored(() => store.get(request.params.id));
    if (!key) throw notFound(request.params.id);
    return shown(key);
  });

  typed.delete('/admin/keys/:id', { schema: { params: KeyParams } }, async (request) => {
    const store = admin(request);
    const key = await stored(() => store.revoke(request.params.id, 'admin'));
    if (!key) throw notFound(request.params.id);
    return shown(key);
  });

  typed.post('/admin/keys/:id/rotate', { schema: { params: KeyParams, body: RotateBody } }, async (request, reply) => {
    const store = admin(request);
    const grace = request.body?.grace_seconds ?? 0;
    const rotated = await stored(() => store.rotate(request.params.id, grace, 'admin'));
    if (!rotated) throw notFound(request.params.id);
    return reply.code(201).send({ ...shown(rotated.record), key: rotated.key, replaces: request.params.id });
  });

  typed.get('/admin/audit', { schema: { querystring: AuditQuery } }, async (request) => {
    const store = admin(request);
    return { data: await stored(() => store.auditTrail(request.query.limit ?? 100)) };
  });
}
