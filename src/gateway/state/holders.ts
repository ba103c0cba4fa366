/**
 * The ledger and the limiter count a virtual key beside its tenant, under `key/<id>`: no tenant id holds a `/`
 * (the config's id pattern), so the two never meet.
 */
export const KEY_HOLDER_PREFIX = 'key/';

export const keyHolder = (keyId: string) => `${KEY_HOLDER_PREFIX}${keyId}`;

/** The key id a ledger holder names, or undefined for a tenant. */
export const keyIdOf = (holder: string) =>
  holder.startsWith(KEY_HOLDER_PREFIX) ? holder.slice(KEY_HOLDER_PREFIX.length) : undefined;
