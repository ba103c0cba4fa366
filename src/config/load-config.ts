import { dirname, relative, resolve } from 'node:path';
import { BUILTIN_CATALOGUE } from '../engine/builtin-catalogue.js';
import { buildPolicy, compilePolicyFile, PolicyError, type CompiledRule } from '../engine/compile-rules.js';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type ConfigFile } from './config-schema.js';
import { ConfigError } from '../engine/errors.js';
import { readLiteLlmCatalogue, type ModelPrice } from '../engine/prices.js';
import { prepareRouting, type RoutingConfig } from '../engine/routing-config.js';
import { SchemaValidator, type SchemaProblem } from '../engine/schema-errors.js';
import { readDataFile } from './read-data-file.js';
import { maskSubstituted, substituteEnv } from './substitute-env.js';
import { checkKeyForms, indexTenantKeys } from './tenant-keys.js';
import { applyProviderPresets } from './provider-presets.js';
import { authOf } from './route-auth.js';

export { DEFAULT_CONFIG_PATH } from './default-path.js';

/** A config file loaded, checked and frozen, with what the edge needs beside the planner's view. */
export interface LoadedConfig {
  readonly path: string;
  /** The file as checked, its declared defaults filled in: transport, server and log settings. */
  readonly file: ConfigFile;
  /** The planner's view of it. */
  readonly routing: RoutingConfig;
  /** sha256(key) → tenant id. */
  readonly tenantKeys: ReadonlyMap<string, string>;
  /** How it was loaded, so that a reload reads the same environment the same way. */
  readonly options: LoadOptions;
}

export interface LoadOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Fail on unset `${ENV_VAR}` references (the gateway needs its keys; `explain` does not). */
  readonly requireSecrets?: boolean;
}

const configValidator = new SchemaValidator(ConfigSchema);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

async function loadCatalogue(
  files: readonly string[],
  base: string,
  label: (p: string) => string,
): Promise<Map<string, ModelPrice>> {
  const catalogue = readLiteLlmCatalogue(BUILTIN_CATALOGUE);
  for (const file of files) {
    const path = resolve(base, file);
    const json = await readDataFile(path, label(path));
    try {
      for (const [model, price] of readLiteLlmCatalogue(json)) catalogue.set(model, price);
    } catch (err) {
      throw new ConfigError(label(path), [{ path: '(root)', message: (err as Error).message }]);
    }
  }
  return catalogue;
}

async function loadPolicies(
  files: readonly string[],
  base: string,
  label: (p: string) => string,
): Promise<CompiledRule[]> {
  const rules: CompiledRule[] = [];
  const problems: SchemaProblem[] = [];
  for (const file of files) {
    const path = resolve(base, file);
    const json = await readDataFile(path, label(path));
    try {
      rules.push(...compilePolicyFile(json, label(path)));
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError('policies', problems);
  return rules;
}

/**
 * Loads `switchyard.yaml` (or `path`): YAML → `${ENV}` → schema → catalogues → policies → cross-field
 * checks → frozen. Every problem is reported with its path in a `ConfigError`; nothing half-loaded is
 * ever returned.
 */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const absolute = resolve(path);
  const source = label(absolute);
  return loadConfigObject(await readDataFile(absolute, source), absolute, options);
}

const label = (p: string) => relative(process.cwd(), p) || p;

/**
 * The same checks for a config that is already parsed (a scenario's inline option); `path` is where it
 * stands, for relative paths and messages.
 */
export async function loadConfigObject(raw: unknown, path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const used = new Map<string, string>();
  try {
    return await loadChecked(raw, path, options, used);
  } catch (err) {
    // Whatever the check found, it is reported with `${NAME}` where a secret was substituted.
    if (err instanceof ConfigError)
      throw new ConfigError(
        err.source,
        err.problems.map((p) => ({ path: p.path, message: maskSubstituted(p.message, used) })),
      );
    throw err;
  }
}

/**
 * Each route's base URL must parse (the schema checks its form, `URL` its parts), and hold nothing the gateway
 * would drop: it sends requests to the URL's origin and path only.
 */
function urlProblems(file: ConfigFile): SchemaProblem[] {
  return file.routes.flatMap((r, i) => {
    const path = `routes[${i}].base_url`;
    let url: URL;
    try {
      url = new URL(r.base_url);
    } catch {
      return [{ path, message: `is not a valid URL: '${r.base_url}'` }];
    }
    const problems: SchemaProblem[] = [];
    if (url.username || url.password)
      problems.push({
        path,
        message:
          "holds credentials (user:password@), which are never sent: put the upstream's key in api_key (sent as its format's auth header)",
      });
    if (url.search) {
      problems.push({
        path,
        message:
          "holds a query string, which is never sent: requests go to the URL's path only; a provider that needs query parameters (Azure OpenAI's api-version) needs a format of its own",
      });
    }
    return problems;
  });
}

/** What a route's format and credentials need of it: a signing region, a Vertex project and location. */
function transportProblems(file: ConfigFile): SchemaProblem[] {
  return file.routes.flatMap((r, i) => {
    const auth = authOf(r);
    const oneRegion = typeof r.region === 'string';
    const problems: SchemaProblem[] = [];
    if (auth === 'aws' && !oneRegion)
      problems.push({
        path: `routes[${i}].region`,
        message: 'must be one AWS region (e.g. us-east-1): requests are signed for it',
      });
    if (r.format === 'vertex' && !oneRegion)
      problems.push({ path: `routes[${i}].region`, message: 'must be one Vertex AI location (e.g. europe-west4)' });
    if (r.format === 'vertex' && !r.project)
      problems.push({ path: `routes[${i}]`, message: 'a vertex route needs its Google Cloud project (`project:`)' });
    if (
      (auth === 'aws' && r.format !== 'bedrock') ||
      (auth === 'google' && r.format !== 'vertex') ||
      (auth === 'entra' && r.format !== 'azure-openai')
    )
      problems.push({ path: `routes[${i}].auth`, message: `'${auth}' does not sign ${r.format ?? 'openai'} requests` });
    return problems;
  });
}

async function loadChecked(
  raw: unknown,
  path: string,
  options: LoadOptions,
  used: Map<string, string>,
): Promise<LoadedConfig> {
  const absolute = resolve(path);
  const source = label(absolute);
  const problems: SchemaProblem[] = checkKeyForms(raw);
  const substituted = substituteEnv(
    applyProviderPresets(raw),
    options.env ?? process.env,
    options.requireSecrets ?? false,
    problems,
    used,
  );
  // Declared defaults (route timeouts) are filled in before the check, on a copy: the caller's object stays as given.
  const defaulted = Value.Default(ConfigSchema, structuredClone(substituted));
  problems.push(...configValidator.problems(defaulted));
  if (problems.length === 0)
    problems.push(...urlProblems(defaulted as ConfigFile), ...transportProblems(defaulted as ConfigFile));
  if (problems.length > 0) throw new ConfigError(source, problems);
  const file = deepFreeze(defaulted as ConfigFile);

  const base = dirname(absolute);
  // Every later problem is reported together: a missing policy file does not hide the config's own.
  const later: SchemaProblem[] = [];
  const collect = async <T>(step: () => T | Promise<T>): Promise<T | undefined> => {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      later.push(
        ...err.problems.map((p) =>
          err.source === source
            ? p
            : {
                path: p.path === '(file)' || p.path === '(root)' ? err.source : `${err.source}: ${p.path}`,
                message: p.message,
              },
        ),
      );
      return undefined;
    }
  };
  const catalogue = await collect(() => loadCatalogue(file.catalogues ?? [], base, label));
  const policy = await collect(async () => buildPolicyOrThrow(await loadPolicies(file.policies ?? [], base, label)));
  // Without the policy, the config's own checks still run (against no rules); without a catalogue file, against
  // the built-in prices, so a missing file does not also make every model look unpriced.
  const routing = await collect(async () =>
    prepareRouting(file, catalogue ?? (await loadCatalogue([], base, label)), policy ?? buildPolicy([]), source),
  );
  const tenantKeys = indexTenantKeys(file, later);
  if (later.length > 0 || !routing || !policy || !catalogue) throw new ConfigError(source, later);
  return Object.freeze({ path: absolute, file, routing, tenantKeys, options });
}

function buildPolicyOrThrow(rules: CompiledRule[]) {
  try {
    return buildPolicy(rules);
  } catch (err) {
    if (err instanceof PolicyError) throw new ConfigError('policies', err.problems);
    throw err;
  }
}
