import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AlertsSchema } from '../../engine/config-schema.js';
import { formatUsd } from '../../engine/money.js';
import type { Tenant } from '../../engine/routing-config.js';
import { TenantGoneError, type KeySettings, type StoredKey } from '../../store/key-store.js';
import type { AppContext } from '../app-context.js';
import { GatewayError, invalidRequest } from '../errors.js';
import { keyHolder } from '../state/holders.js';
import type { TenantSpend } from '../state/spend-ledger.js';
import { adminStore, forRole, stored } from './store-access.js';

const Usd = Type.Number({ minimum: 0 });
const BudgetBody = Type.Object(
  { daily_usd: Type.Optional(Usd), monthly_usd: Type.Optional(Usd) },
  { additionalProperties: false },
);
const LimitsBody = Type.Object(
  {
    rpm: Type.Optional(Type.Integer({ minimum: 1 })),
    tpm: Type.Optional(Type.Integer({ minimum: 1 })),
    concurrent: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
const Models = Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 1000 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
/** `30d`, `12h`, `45m`, `90s`. */
const ExpiresIn = Type.String({ pattern: '^[1-9][0-9]{0,6}[smhd]$' });
const orNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const CreateKeyBody = Type.Object(
  {
    tenant: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.Optional(Name),
    models: Type.Optional(Models),
    default_tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    budget: Type.Optional(BudgetBody),
    limits: Type.Optional(LimitsBody),
    alerts: Type.Optional(AlertsSchema),
    expires_at: Type.Optional(Type.String({ format: 'date-time' })),
    expires_in: Type.Optional(ExpiresIn),
  },
  { additionalProperties: false },
);
type CreateKey = Static<typeof CreateKeyBody>;

/** What `PATCH` may change: a field left out stays, `null` clears it. */
const UpdateKeyBody = Type.Object(
  {
    name: Type.Optional(orNull(Name)),
    models: Type.Optional(orNull(Models)),
    default_tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    budget: Type.Optional(orNull(BudgetBody)),
    limits: Type.Optional(orNull(LimitsBody)),
    alerts: Type.Optional(orNull(AlertsSchema)),
    expires_at: Type.Optional(orNull(Type.String({ format: 'date-time' }))),
    expires_in: Type.Optional(ExpiresIn),
  },
  { additionalProperties: false },
);

const RotateBody = Type.Object(
  { grace_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400 })) },
  { additionalProperties: false },
);
const KeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const ListQuery = Type.Object(
  { tenant: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);
// A query string is text (the app coerces no types): a count is digits, at most 1000.
const AuditQuery = Type.Object(
  { limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,2}|1000)$' })) },
  { additionalProperties: false },
);

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const usd = (pico: bigint) => formatUsd(pico, 6);

/** A key as the admin API shows it: everything but the key, which is shown once, when it is created. */
function shown(k: StoredKey, spend?: TenantSpend) {
  return {
    id: k.id,
    tenant: k.tenant,
    name: k.name,
    prefix: k.prefix,
    models: k.models,
    default_tags: k.defaultTags,
    metadata: k.metadata,
    budget: k.budget,
    limits: k.limits,
    alerts: k.alerts,
    spend: {
      today_usd: usd(spend ? spend.daySettled : 0n),
      month_usd: usd(spend ? spend.monthSettled : 0n),
    },
    created_at: k.createdAt,
    last_used_at: k.lastUsedAt,
    expires_at: k.expiresAt,
    revoked_at: k.revokedAt,
  };
}

/**
 * When a key stops working, in epoch ms: `expires_at`, or now plus `expires_in`; never in the past. Null clears
 * it (PATCH); undefined when neither is given.
 */
function expiryOf(body: { expires_at?: string | null; expires_in?: string }, nowMs: number): number | null | undefined {
  if (body.expires_at !== undefined && body.expires_in !== undefined)
    throw invalidRequest('Give expires_at or expires_in, not both.', 'expires_at');
  if (body.expires_in !== undefined)
    return nowMs + Number(body.expires_in.slice(0, -1)) * UNIT_MS[body.expires_in.slice(-1) as keyof typeof UNIT_MS];
  if (body.expires_at === undefined || body.expires_at === null) return body.expires_at;
  const at = Date.parse(body.expires_at);
  if (at <= nowMs) throw invalidRequest(`expires_at ${body.expires_at} is in the past.`, 'expires_at');
  return at;
}

/** A key narrows its tenant: its models are the tenant's (or a part of them), its tags ones the config knows. */
function checkNarrows(
  body: { models?: readonly string[] | null; default_tags?: readonly string[] },
  tenant: Tenant,
  knownTags: ReadonlySet<string>,
): void {
  const outside = (body.models ?? []).filter((m) => tenant.models && !tenant.models.has(m));
  if (outside.length > 0)
    throw invalidRequest(`Tenant ${tenant.id} may not use ${outside.join(', ')}: a key cannot widen it.`, 'models');
  const unknown = (body.default_tags ?? []).filter((t) => !knownTags.has(t));
  if (unknown.length > 0) throw invalidRequest(`Unknown tag(s): ${unknown.join(', ')}.`, 'default_tags');
}

const notFound = (id: string) => new GatewayError('not_found', `No key ${id}.`, { param: 'id' });

/** A create or PATCH body as the store's key settings (what a PATCH leaves out stays undefined: unchanged). */
function settingsOf(body: Static<typeof UpdateKeyBody>, nowMs: number): KeySettings {
  return {
    name: body.name,
    models: body.models,
    defaultTags: body.default_tags,
    metadata: body.metadata,
    budget: body.budget,
    limits: body.limits,
    alerts: body.alerts,
    expiresAtMs: expiryOf(body, nowMs),
  };
}

/** A store call that makes a key: a tenant deleted meanwhile is the caller's 400, not the store's outage. */
const makingKey = <T>(call: () => Promise<T>) =>
  stored(() =>
    call().catch((err: unknown) => {
      if (err instanceof TenantGoneError) throw invalidRequest(err.message, 'tenant');
      throw err;
    }),
  );

/** Each key's spend in the current windows, from one ledger report. */
async function spendByKey(ctx: AppContext): Promise<Map<string, TenantSpend>> {
  return new Map((await ctx.ledger.report(ctx.clock.now())).map((s) => [s.tenant, s]));
}

/** Virtual keys through the admin API (`store:` in the config), and the audit trail of every change. */
export function registerKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const tenantOf = (id: string) => {
    const { routing } = ctx.runtime.current.loaded;
    const tenant = routing.tenants.get(id);
    if (!tenant) throw invalidRequest(`No tenant ${id}.`, 'tenant');
    return { tenant, knownTags: routing.knownTags };
  };
  const withSpend = async (key: StoredKey) => shown(key, (await spendByKey(ctx)).get(keyHolder(key.id)));

  typed.post('/admin/keys', { schema: { body: CreateKeyBody } }, async (request, reply) => {
    const { store, actor } = adminStore(request, ctx, 'write');
    const body: CreateKey = request.body;
    const { tenant, knownTags } = tenantOf(body.tenant);
    checkNarrows(body, tenant, knownTags);
    const settings = settingsOf(body, ctx.clock.now());
    const created = await makingKey(() => store.keys.create({ tenant: tenant.id, ...settings }, actor.name));
    return reply.code(201).send({ ...shown(created.record), key: created.key });
  });

  typed.get('/admin/keys', { schema: { querystring: ListQuery } }, async (request) => {
    const { store, actor } = adminStore(request, ctx, 'read');
    const keys = await stored(() => store.keys.list(request.query.tenant));
    const spend = await spendByKey(ctx);
    return forRole({ data: keys.map((k) => shown(k, spend.get(keyHolder(k.id)))) }, actor);
  });

  typed.get('/admin/keys/:id', { schema: { params: KeyParams } }, async (request) => {
    const { store, actor } = adminStore(request, ctx, 'read');
    const key = await stored(() => store.keys.get(request.params.id));
    if (!key) throw notFound(request.params.id);
    return forRole(await withSpend(key), actor);
  });

  typed.patch('/admin/keys/:id', { schema: { params: KeyParams, body: UpdateKeyBody } }, async (request) => {
    const { store, actor } = adminStore(request, ctx, 'write');
    const { body } = request;
    const current = await stored(() => store.keys.get(request.params.id));
    if (!current) throw notFound(request.params.id);
    const { tenant, knownTags } = tenantOf(current.tenant);
    checkNarrows(body, tenant, knownTags);
    const settings = settingsOf(body, ctx.clock.now());
    const updated = await stored(() => store.keys.update(request.params.id, settings, actor.name));
    if (updated === 'revoked') throw new GatewayError('key_revoked', `Key ${request.params.id} is revoked.`);
    if (!updated) throw notFound(request.params.id);
    return withSpend(updated);
  });

  typed.delete('/admin/keys/:id', { schema: { params: KeyParams } }, async (request) => {
    const { store, actor } = adminStore(request, ctx, 'write');
    const key = await stored(() => store.keys.revoke(request.params.id, actor.name));
    if (!key) throw notFound(request.params.id);
    return withSpend(key);
  });

  typed.post('/admin/keys/:id/rotate', { schema: { params: KeyParams, body: RotateBody } }, async (request, reply) => {
    const { store, actor } = adminStore(request, ctx, 'write');
    const grace = request.body?.grace_seconds ?? 0;
    const rotated = await makingKey(() => store.keys.rotate(request.params.id, grace, actor.name));
    if (!rotated) throw notFound(request.params.id);
    return reply.code(201).send({ ...shown(rotated.record), key: rotated.key, replaces: request.params.id });
  });

  typed.get('/admin/audit', { schema: { querystring: AuditQuery } }, async (request) => {
    const { store, actor } = adminStore(request, ctx, 'read');
    return forRole({ data: await stored(() => store.auditTrail(Number(request.query.limit ?? 100))) }, actor);
  });
}
