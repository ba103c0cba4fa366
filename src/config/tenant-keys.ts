import { hash } from 'node:crypto';
import type { ConfigFile } from './config-schema.js';
import type { SchemaProblem } from '../engine/schema-errors.js';

const HASHED = /^sha256:([0-9a-f]{64})$/i;
const ENV_REF = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

export function hashApiKey(key: string): string {
  // The one-shot form: a quarter of createHash's time, paid on every request's key.
  return hash('sha256', key, 'hex');
}

/** Keys must never sit in the file in plain text: `sha256:<hex>` or a `${ENV_VAR}` reference only. */
export function checkKeyForms(raw: unknown): SchemaProblem[] {
  const tenants = (raw as { tenants?: unknown } | null)?.tenants;
  if (!Array.isArray(tenants)) return [];
  const problems: SchemaProblem[] = [];
  tenants.forEach((t, i) => {
    const keys = (t as { api_keys?: unknown } | null)?.api_keys;
    if (!Array.isArray(keys)) return;
    keys.forEach((k, j) => {
      if (typeof k === 'string' && !HASHED.test(k) && !ENV_REF.test(k)) {
        problems.push({
          path: `tenants[${i}].api_keys[${j}]`,
          message: 'write a key as sha256:<hex> (switchyard hash-key) or ${ENV_VAR}, never in plain text',
        });
      }
    });
  });
  return problems;
}

/**
 * sha256 of each key → tenant id. Keys from the environment are hashed here, so only hashes stay in memory
 * beside the config; `unresolved` env references (commands that need no secrets) are skipped.
 */
export function indexTenantKeys(file: ConfigFile, problems: SchemaProblem[]): Map<string, string> {
  const byHash = new Map<string, string>();
  file.tenants.forEach((tenant, i) => {
    tenant.api_keys.forEach((key, j) => {
      if (ENV_REF.test(key)) return;
      const hashed = HASHED.exec(key);
      const hash = hashed ? (hashed[1] as string).toLowerCase() : hashApiKey(key);
      const other = byHash.get(hash);
      if (other !== undefined)
        problems.push({
          path: `tenants[${i}].api_keys[${j}]`,
          message: `the same key is also given to tenant '${other}'`,
        });
      else byHash.set(hash, tenant.id);
    });
  });
  return byHash;
}
