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
