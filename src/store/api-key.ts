import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `bytes` random bytes in base62 (about 1.34 characters a byte). */
function base62(bytes: number): string {
  let n = BigInt(`0x${randomBytes(bytes).toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(Math.ceil(bytes * 1.35), '0');
}

/** A new virtual key: `sk-sy-` and 32 random bytes in base62. Shown once; the store keeps its sha256. */
export const newApiKey = () => `sk-sy-${base62(32)}`;

/** A key's id (safe to show and log): `key_` and 12 random bytes in base62. */
export const newKeyId = () => `key_${base62(12)}`;
