import type { SchemaProblem } from '../engine/schema-errors.js';

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` in every string of a parsed config with the environment's value. A missing variable is
 * a problem at its path when `required`; otherwise the reference is left as written (commands such as
 * `explain` need no secrets).
 */
export function substituteEnv(value: unknown, env: Readonly<Record<string, string | undefined>>, required: boolean, problems: SchemaProblem[], path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(REF, (ref, name: string) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (required) problems.push({ path: path || '(root)', message: `environment variable ${name} is not set` });
      return ref;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, required, problems, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteEnv(v, env, required, problems, path ? `${path}.${k}` : k)]));
  }
  return value;
}
