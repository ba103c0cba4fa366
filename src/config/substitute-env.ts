import type { SchemaProblem } from '../engine/schema-errors.js';

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${NAME}` in every string of a parsed config with the environment's value. A missing variable is
 * a problem at its path when `required`; otherwise the reference is left as written (commands such as
 * `explain` need no secrets). `used` collects each value put in, with the reference it replaced.
 */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  required: boolean,
  problems: SchemaProblem[],
  used: Map<string, string>,
  path = '',
): unknown {
  if (typeof value === 'string') {
    return value.replace(REF, (ref, name: string) => {
      const found = env[name];
      if (found !== undefined && found !== '') {
        used.set(found, ref);
        return found;
      }
      if (required) problems.push({ path: path || '(root)', message: `environment variable ${name} is not set` });
      return ref;
    });
  }
  if (Array.isArray(value))
    return value.map((v, i) => substituteEnv(v, env, required, problems, used, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        substituteEnv(v, env, required, problems, used, path ? `${path}.${k}` : k),
      ]),
    );
  }
  return value;
}

/** Values shorter than this are not masked: they cannot be keys, and masking them would garble every word. */
const MASKED_FROM = 4;

/** A message with every substituted value written back as its `${NAME}`: config errors never show a secret. */
export function maskSubstituted(message: string, used: ReadonlyMap<string, string>): string {
  let out = message;
  // Longest first, so a value that contains another is masked whole.
  for (const [value, ref] of [...used].sort((a, b) => b[0].length - a[0].length))
    if (value.length >= MASKED_FROM) out = out.split(value).join(ref);
  return out;
}
