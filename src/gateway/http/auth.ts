import type { IncomingHttpHeaders } from 'node:http';
import { hashApiKey } from '../../config/tenant-keys.js';
import type { LoadedConfig } from '../../config/load-config.js';
import type { Tenant } from '../../engine/routing-config.js';
import { invalidApiKey } from '../errors.js';

/** The caller's key, from `Authorization: Bearer <key>` or `x-api-key` (what Anthropic's SDK sends). */
function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const key = headers['x-api-key'];
  return typeof key === 'string' && key.length > 0 ? key : undefined;
}

/** The tenant a request belongs to; 401 for a missing or unknown key. Keys are compared by their sha256. */
export function authenticate(headers: IncomingHttpHeaders, loaded: LoadedConfig): Tenant {
  const key = presentedKey(headers);
  if (!key) throw invalidApiKey();
  const tenantId = loaded.tenantKeys.get(hashApiKey(key));
  const tenant = tenantId === undefined ? undefined : loaded.routing.tenants.get(tenantId);
  if (!tenant) throw invalidApiKey();
  return tenant;
}
