import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { TenantSchema } from '../../engine/config-schema.js';
import { addedTenantProblems, type AddedTenantConfig } from '../../engine/routing-config.js';
import type { StoredTenant } from '../../store/tenant-store.js';
import type { AppContext } from '../app-context.js';
import { SchemaValidator } from '../../engine/schema-errors.js';
import { GatewayError, invalidRequest } from '../errors.js';
import { adminStore, forRole, stored } from './store-access.js';

/** A tenant through the API: the fields a config file's tenant has, but its callers use virtual keys. */
const CreateTenantBody = Type.Omit(TenantSchema, ['api_keys'], { additionalProperties: false });
/** What `PATCH` changes: any of the same fields but the id; a field left out stays, `null` removes it. */
const UpdateTenantBody = Type.Record(Type.String({ pattern: '^[a-z_]+$' }), Type.Unknown());
const TenantParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

const tenantValidator = new SchemaValidator(CreateTenantBody);

/** A merged tenant (its spec with a PATCH's fields) as the schema takes it, or 400 naming the field. */
function validTenant(value: Record<string, unknown>): AddedTenantConfig {
  const [problem] = tenantValidator.problems(value);
  if (problem) throw invalidRequest(`${problem.path}: ${problem.message}`, problem.path);
  return value as AddedTenantConfig;
}

/** Fields whose value is a mapping: a change merges into it (`budget: {monthly_usd}` keeps `daily_usd`). */
const NESTED = new Set(['budget', 'limits', 'alerts']);

/** A spec with a PATCH's fields: `null` removes a field (or a nested one), a mapping merges one level deep. */
function mergedSpec(before: AddedTenantConfig, changes: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...before };
  for (const [field, value] of Object.entries(changes)) {
    const held = merged[field];
    if (value === null) delete merged[field];
    else if (NESTED.has(field) && isMapping(value) && isMapping(held)) {
      const inner: Record<string, unknown> = { ...held };
      for (const [k, v] of Object.entries(value))
        if (v === null) delete inner[k];
        else inner[k] = v;
      merged[field] = inner;
    } else merged[field] = value;
  }
  return merged;
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const shown = (t: StoredTenant) => ({ ...t.spec, source: 'store', created_at: t.createdAt, updated_at: t.updatedAt });

/**
 * Tenants through the admin API, beside the config file's: created, changed and deleted in the store, served by
 * every instance within a second. A file's tenant is listed but changed only in the file (409
 * `defined_in_config`).
 */
export function registerTenantRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const inFile = (id: string) => ctx.runtime.current.loaded.file.tenants.some((t) => t.id === id);
  const refuseFileTenant = (id: string) => {
    if (inFile(id))
      throw new GatewayError(
        'defined_in_config',
        `Tenant ${id} is defined in the config file: change it there, then reload.`,
        { param: 'id' },
      );
  };
  /** The tenant as this config would serve it, or 400 naming the field that does not fit. */
  const checked = (spec: AddedTenantConfig) => {
    const [problem] = addedTenantProblems(spec, ctx.runtime.current.loaded.routing);
    if (problem) throw invalidRequest(`${problem.path}: ${problem.message}`, problem.path);
    return spec;
  };
  const notFound = (id: string) => new GatewayError('not_found', `No tenant ${id} in the store.`, { param: 'id' });

  typed.post('/admin/tenants', { schema: { body: CreateTenantBody } }, async (request, reply) => {
    const { store, actor } = adminStore(request, ctx, 'write');
    refuseFileTenant(request.body.id);
    const created = await stored(() => store.tenants.create(checked(request.body), actor.name));
    if (!created) throw new GatewayError('already_exists', `Tenant ${request.body.id} exists already.`);
    return reply.code(201).send(shown(created));
  });

  typed.get('/admin/tenants', async (request) => {
    const { store, actor } = adminStore(request, ctx, 'read');
    const fromFile = ctx.runtime.current.loaded.file.tenants.map(({ api_keys: _keys, ...spec }) => ({
      ...spec,
      source: 'config',
    }));
    return forRole({ data: [...fromFile, ...store.tenants.list().map(shown)] }, actor);
  });

  typed.get('/admin/tenants/:id', { schema: { params: TenantParams } }, async (request) => {
    const { store, actor } = adminStore(request, ctx, 'read');
    const tenant = store.tenants.get(request.params.id);
    if (!tenant) throw notFound(request.params.id);
    return forRole(shown(tenant), actor);
  });

  typed.patch('/admin/tenants/:id', { schema: { params: TenantParams, body: UpdateTenantBody } }, async (request) => {
    const { store, actor } = adminStore(request, ctx, 'write');
    const { id } = request.params;
    refuseFileTenant(id);
    if ('id' in request.body) throw invalidRequest('A tenant id cannot change.', 'id');
    const changes = request.body;
    // Merged with the stored spec under its row's lock (two changes at once both count), and checked there.
    const updated = await stored(() =>
      store.tenants.update(id, (before) => checked(validTenant(mergedSpec(before, changes))), actor.name),
    );
    if (!updated) throw notFound(id);
    return shown(updated);
  });

  typed.delete('/admin/tenants/:id', { schema: { params: TenantParams } }, async (request) => {
    const { store, actor } = adminStore(request, ctx, 'write');
    const { id } = request.params;
    refuseFileTenant(id);
    const removed = await stored(() => store.tenants.remove(id, actor.name, ctx.clock.now()));
    if (removed === 'has_keys')
      throw new GatewayError('tenant_has_keys', `Tenant ${id} still has keys that work: revoke them first.`);
    if (!removed) throw notFound(id);
    return { ...shown(removed), deleted: true };
  });
}
