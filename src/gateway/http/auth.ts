import type { IncomingHttpHeaders } from 'node:http';
import { hashApiKey } from '../../config/tenant-keys.js';
import type { LoadedConfig } from '../../config/load-config.js';
import type { Tenant } from '../../engine/routing-config.js';
import type { StoredKey } from '../../store/key-store.js';
import type { Store } from '../../store/store.js';
import { invalidApiKey } from '../errors.js';

/** Who a request comes from: its tenant, and the virtual key it used when the key is one from the store. */
export interface Caller {
  readonly tenant: Tenant;
  readonly key: StoredKey | null;
}

/** The caller's key, from `Authorization: Bearer <key>` or `x-api-key` (what Anthropic's SDK sends). */
function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const key = headers['x-api-key'];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

/**
 * The caller of a request; 401 for a missing, unknown, revoked or expired key. Keys are compared by their
 * sha256: the config's tenant keys first, then the store's virtual keys (in memory, no database round trip).
 */
export function authenticate(
  headers: IncomingHttpHeaders,
  loaded: LoadedConfig,
  store: Store | undefined,
  nowMs: number,
): Caller {
  const key = presentedKey(headers);
  if (!key) throw invalidApiKey();
  const hash = hashApiKey(key);
  const tenantId = loaded.tenantKeys.get(hash);
  if (tenantId !== undefined) {
    const tenant = loaded.routing.tenants.get(tenantId);
    if (tenant) return { tenant, key: null };
  }
  const stored = store?.keys.lookup(hash, nowMs);
  const tenant = stored && loaded.routing.tenants.get(stored.tenant);
  if (!stored || !tenant) throw invalidApiKey();
  store?.keys.touch(stored.id, nowMs);
  return { tenant, key: stored };
}
