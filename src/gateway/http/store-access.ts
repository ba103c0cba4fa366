import type { FastifyRequest } from 'fastify';
import type { Store } from '../../store/store.js';
import type { AppContext } from '../app-context.js';
import { GatewayError } from '../errors.js';
import { requireAdmin, type AdminCaller } from './admin-routes.js';

/** The store, or 501 when the config has none. */
function storeOf(ctx: AppContext): Store {
  if (!ctx.store)
    throw new GatewayError(
      'store_not_configured',
      'Keys and tenants through the admin API need a store: set store: { path: ./switchyard-data } (embedded) or store: { url: postgres://… }.',
    );
  return ctx.store;
}

/** The admin caller (401 without an admin key, 403 for a viewer that writes) and the store (501 without one). */
export function adminStore(
  request: FastifyRequest,
  ctx: AppContext,
  access: 'read' | 'write',
): { store: Store; actor: AdminCaller } {
  const actor = requireAdmin(request, ctx, access);
  return { store: storeOf(ctx), actor };
}

/**
 * What a viewer is shown of a value from the store: every `webhook_url` cut to its origin (a chat webhook's path
 * is its secret). An admin sees it whole.
 */
export function forRole<T>(value: T, actor: AdminCaller): T {
  if (actor.role === 'admin') return value;
  const cut = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(cut);
    if (typeof v !== 'object' || v === null || v instanceof Date) return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, k === 'webhook_url' && typeof x === 'string' ? originOf(x) : cut(x)]),
    );
  };
  return cut(value) as T;
}

const originOf = (url: string) => {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '…';
  }
};

/** Runs a store call; a store that does not answer is 503 `store_unavailable` (requests go on meanwhile). */
export async function stored<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('store_unavailable', 'The store does not answer; nothing was changed. Retry shortly.', {
      cause: err,
    });
  }
}
