import {
  DEFAULT_LEVELS,
  DEFAULT_TAG_LEVELS,
  type AlertsConfig,
  type OnExceed,
  type RouteConfig,
  type RouteKind,
  type RoutingFile,
  type TenantConfig,
  type WireFormatId,
} from './config-schema.js';
import { violatedInvariant } from './invariants.js';
import type { CompiledPolicy } from './compile-rules.js';
import { ConfigError } from './errors.js';
import { picoPerTokenFromUsdPerMillion, usdToPico } from './money.js';
import { withFee, ZERO_PRICE, type ModelPrice, type PriceCatalogue } from './prices.js';
import type { SchemaProblem } from './schema-errors.js';
import { createSensitivity, type Sensitivity } from './sensitivity.js';
import { ANALYZER_FAILED, SCAN_FAILED, TAG_OF, UNREADABLE_CONTENT } from './detect-sensitive.js';
import { DEFAULT_SCAN_LIMITS, type ScanLimits } from './request-text.js';
import type { Strategy } from './strategy.js';

/** A route with everything the planner asks of it answered in advance. */
export interface Route {
  readonly id: string;
  readonly kind: RouteKind;
  readonly format: WireFormatId;
  readonly clearance: string;
  readonly clearanceRank: number;
  /** Position in the config file: the last tie-breaker, so decisions are stable. */
  readonly order: number;
  /** Fixed cost of running the route (on-prem servers), pico-dollars per hour; 0n when priced per token. */
  readonly fixedPerHourPico: bigint;
  readonly latencyPrior: { readonly p50Ms?: number; readonly p95Ms?: number; readonly ttftP95Ms?: number };
  /** The upstream's name for a public model, or undefined when the route does not serve it. */
  upstreamModel(model: string): string | undefined;
  /** The route's price for a public model it serves, fee included; undefined when no price is known. */
  priceOf(model: string): ModelPrice | undefined;
  /** The public model names it serves, or `'*'`. */
  readonly models: readonly string[] | '*';
  /** `clearance X < Y` for each level Y above this route's, by rank: built once, used on every request. */
  readonly clearanceDetails: readonly string[];
  readonly pricing: NonNullable<RouteConfig['pricing']>;
  /** Where it processes data; empty when the config does not say (then no residency rule can be met). */
  readonly regions: readonly string[];
  /** Its share among equals under the `weighted` strategy. */
  readonly weight: number;
}

export interface TenantBudget {
  readonly dailyPico?: bigint;
  readonly monthlyPico?: bigint;
  readonly onExceed: OnExceed;
  readonly downgradeTo?: string;
}

/** Requests and tokens per UTC minute, requests in flight: absent ones are unlimited. */
export interface TenantLimits {
  readonly rpm?: number;
  readonly tpm?: number;
  readonly concurrent?: number;
}

export interface Tenant {
  readonly id: string;
  readonly defaultTags: readonly string[];
  readonly sloMs?: number;
  readonly autoTag: boolean;
  /**
   * The level content the detector cannot read needs (`auto_tag_unreadable`); the config's default (the top level) when
   * absent.
   */
  readonly unreadableLevel?: string;
  /** What the detector's scan may read (`sensitivity.scan`); the defaults when absent. */
  readonly scanLimits?: ScanLimits;
  /** Whether callers may add tags with the header; when not, only the defaults and the detector decide. */
  readonly acceptHeaderTags: boolean;
  /** Regions all its requests must stay in (any one of them); undefined when free. */
  readonly regions?: readonly string[];
  /** Models the tenant may use; undefined = any a route serves. */
  readonly models?: ReadonlySet<string>;
  readonly budget?: TenantBudget;
  readonly limits?: TenantLimits;
  /** While the shared state (Redis) is away: keep serving on this instance's own budget and limit counts. */
  readonly failOpen: boolean;
  /** Never fall back to another model family. */
  readonly sameFamilyOnly: boolean;
  /** Where its budget alerts go (the gateway sends them; the planner never reads this). */
  readonly alerts?: AlertsConfig;
  /** The kinds masked before planning (`redaction`), and whether the answer gets the original values back. */
  readonly redaction?: { readonly kinds: ReadonlySet<string>; readonly restore: boolean };
  /** Its use of the response cache (the gateway reads it; the planner does not). */
  readonly cache?: TenantConfig['cache'];
}

/** Everything the planner needs that changes only when the config is (re)loaded. */
export interface RoutingConfig {
  readonly sensitivity: Sensitivity;
  readonly routes: readonly Route[];
  /** True when some route serves the public model. */
  serves(model: string): boolean;
  readonly tenants: ReadonlyMap<string, Tenant>;
  readonly policy: CompiledPolicy;
  /**
   * Every tag this config gives a meaning: the sensitivity map's tags, the level names, the tags rules test
   * or add, and tenants' default tags. A caller's tag outside it is refused, never silently ignored.
   */
  readonly knownTags: ReadonlySet<string>;
  /** Tag → the regions a request carrying it may be processed in. */
  readonly residency: ReadonlyMap<string, readonly string[]>;
  /** A detected kind (or an analyzer's entity type) → the tag it means. */
  readonly detectTags: ReadonlyMap<string, string>;
  readonly minLatencySamples: number;
  readonly expectedOutputTokens: number;
  readonly strategy: Strategy;
  readonly tiePercent: number;
  /** Model → the models that serve it, in order, when none of its own routes can. */
  readonly fallbacks: ReadonlyMap<string, readonly string[]>;
  readonly sameFamilyOnlyTags: ReadonlySet<string>;
  /** What the detector's scan may read (`sensitivity.scan`): what a tenant added later scans with. */
  readonly scanLimits: ScanLimits;
}

function modelNames(models: RouteConfig['models']): readonly string[] | '*' {
  if (models === '*') return '*';
  return Array.isArray(models) ? models : Object.keys(models);
}

/**
 * The catalogue keys of a cloud provider's own prices for a model, tried before the model maker's: LiteLLM's
 * `azure/…`, `gemini/…` and `vertex_ai/…` entries, and Bedrock's model ids and inference profiles (`eu.anthropic.…`,
 * which cost more than the maker's price), also per region (`bedrock/us-east-1/…`).
 */
const PROVIDER_KEYS: Partial<Record<WireFormatId, (name: string, region: string | undefined) => string[]>> = {
  'azure-openai': (name) => [`azure/${name}`],
  bedrock: (name, region) => [...(region ? [`bedrock/${region}/${name}`] : []), `bedrock/${name}`, name],
  gemini: (name) => [`gemini/${name}`],
  vertex: (name) => [`vertex_ai/${name}`],
};

function providerPrice(
  config: RouteConfig,
  catalogue: PriceCatalogue,
  names: readonly string[],
): ModelPrice | undefined {
  const keys = PROVIDER_KEYS[config.format ?? 'openai'];
  if (!keys) return undefined;
  const region = typeof config.region === 'string' ? config.region : undefined;
  for (const name of names)
    for (const key of keys(name, region)) {
      const price = catalogue.get(key);
      if (price) return price;
    }
  return undefined;
}

function buildRoute(config: RouteConfig, order: number, sensitivity: Sensitivity, catalogue: PriceCatalogue): Route {
  const pricing = config.pricing ?? {};
  const upstreamNames: ReadonlyMap<string, string> | undefined =
    config.models === '*'
      ? undefined
      : new Map(Array.isArray(config.models) ? config.models.map((m) => [m, m]) : Object.entries(config.models));
  const upstreamModel = (model: string) => (upstreamNames ? upstreamNames.get(model) : model);
  const fee = Math.round((pricing.fee_percent ?? 0) * 100);
  const markup = picoPerTokenFromUsdPerMillion(pricing.markup_per_mtok ?? 0);
  const explicit = new Map(
    Object.entries(pricing.models ?? {}).map(([model, p]) => {
      const input = picoPerTokenFromUsdPerMillion(p.input_per_mtok);
      const price: ModelPrice = {
        input,
        output: picoPerTokenFromUsdPerMillion(p.output_per_mtok),
        cachedInput:
          p.cached_input_per_mtok === undefined ? input : picoPerTokenFromUsdPerMillion(p.cached_input_per_mtok),
        cacheWrite:
          p.cache_write_per_mtok === undefined ? input : picoPerTokenFromUsdPerMillion(p.cache_write_per_mtok),
        ...(p.max_output_tokens === undefined ? {} : { maxOutputTokens: p.max_output_tokens }),
      };
      return [model, price];
    }),
  );
  const resolved = new Map<string, ModelPrice>();
  const priceOf = (model: string): ModelPrice | undefined => {
    const known = resolved.get(model);
    if (known) return known;
    const upstream = upstreamModel(model);
    if (upstream === undefined) return undefined;
    if (pricing.fixed_per_hour_usd !== undefined) {
      // Free at the margin; keep the catalogue's output limit so budgets still see a bound.
      const limit = (catalogue.get(model) ?? catalogue.get(upstream))?.maxOutputTokens;
      return limit === undefined ? ZERO_PRICE : { ...ZERO_PRICE, maxOutputTokens: limit };
    }
    const base =
      explicit.get(model) ??
      explicit.get('*') ??
      providerPrice(config, catalogue, [upstream, model]) ??
      catalogue.get(model) ??
      catalogue.get(upstream);
    if (!base) return undefined;
    const price = withFee(base, fee, markup);
    // Memoise only what the catalogue or config names, so callers' made-up model names cannot grow the map.
    resolved.set(model, price);
    return price;
  };
  const prior = config.latency ?? {};
  return {
    id: config.id,
    kind: config.kind,
    format: config.format ?? 'openai',
    clearance: config.clearance,
    clearanceRank: sensitivity.rankOf(config.clearance),
    order,
    fixedPerHourPico: usdToPico(pricing.fixed_per_hour_usd ?? 0),
    latencyPrior: {
      ...(prior.p50_ms === undefined ? {} : { p50Ms: prior.p50_ms }),
      ...(prior.p95_ms === undefined ? {} : { p95Ms: prior.p95_ms }),
      ...(prior.ttft_p95_ms === undefined ? {} : { ttftP95Ms: prior.ttft_p95_ms }),
    },
    upstreamModel,
    priceOf,
    models: modelNames(config.models),
    clearanceDetails: sensitivity.levels.map((level) => `clearance ${config.clearance} < ${level}`),
    pricing,
    regions: config.region === undefined ? [] : [config.region].flat(),
    weight: config.weight ?? 1,
  };
}

function scanLimitsOf(file: RoutingFile): ScanLimits {
  const s = file.sensitivity?.scan ?? {};
  return Object.freeze({
    maxChars: s.max_chars ?? DEFAULT_SCAN_LIMITS.maxChars,
    maxDepth: s.max_depth ?? DEFAULT_SCAN_LIMITS.maxDepth,
    maxDecodedBytes: s.max_decoded_bytes ?? DEFAULT_SCAN_LIMITS.maxDecodedBytes,
    timeoutMs: s.timeout_ms ?? DEFAULT_SCAN_LIMITS.timeoutMs,
  });
}

function buildTenant(config: TenantConfig, scanLimits: ScanLimits): Tenant {
  const b = config.budget;
  return {
    id: config.id,
    defaultTags: [...new Set(config.default_tags ?? [])].sort(),
    autoTag: config.auto_tag ?? false,
    ...(config.auto_tag ? { scanLimits } : {}),
    ...(config.auto_tag_unreadable === undefined ? {} : { unreadableLevel: config.auto_tag_unreadable }),
    acceptHeaderTags: config.accept_header_tags ?? true,
    failOpen: config.when_state_unavailable === 'fail_open',
    sameFamilyOnly: config.fallbacks === 'same_family_only',
    ...(config.regions === undefined ? {} : { regions: config.regions }),
    ...(config.limits === undefined ? {} : { limits: config.limits }),
    ...(config.slo_ms === undefined ? {} : { sloMs: config.slo_ms }),
    ...(config.models === undefined ? {} : { models: new Set(config.models) }),
    ...(config.alerts === undefined ? {} : { alerts: config.alerts }),
    ...(config.cache === undefined ? {} : { cache: config.cache }),
    ...(config.redaction === undefined
      ? {}
      : { redaction: { kinds: new Set(config.redaction.kinds), restore: config.redaction.restore ?? true } }),
    ...(b === undefined
      ? {}
      : {
          budget: {
            ...(b.daily_usd === undefined ? {} : { dailyPico: usdToPico(b.daily_usd) }),
            ...(b.monthly_usd === undefined ? {} : { monthlyPico: usdToPico(b.monthly_usd) }),
            onExceed: b.on_exceed ?? 'deny',
            ...(b.downgrade_to === undefined ? {} : { downgradeTo: b.downgrade_to }),
          },
        }),
  };
}

/** What is wrong with a tenant that the schema cannot say, on this config's levels and routes. */
function tenantProblems(
  t: TenantConfig,
  at: string,
  sensitivity: Sensitivity,
  served: (model: string) => boolean,
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  if (t.auto_tag_unreadable !== undefined && sensitivity.rankOf(t.auto_tag_unreadable) < 0) {
    const levels = sensitivity.levels.join(', ');
    add(`${at}.auto_tag_unreadable`, `unknown level '${t.auto_tag_unreadable}' (levels: ${levels})`);
  }
  if (t.redaction && !t.auto_tag)
    add(`${at}.redaction`, 'needs auto_tag: true (what the detector finds is what is masked)');
  if (t.budget?.on_exceed === 'downgrade' && !t.budget.downgrade_to)
    add(`${at}.budget.downgrade_to`, "is required when on_exceed is 'downgrade'");
  if (t.budget?.downgrade_to && !served(t.budget.downgrade_to))
    add(`${at}.budget.downgrade_to`, `no route serves '${t.budget.downgrade_to}'`);
  (t.models ?? []).forEach((m, j) => {
    if (!served(m)) add(`${at}.models[${j}]`, `no route serves '${m}'`);
  });
  return problems;
}

/** A tenant defined beside the config file (the store's), without the keys only a file's tenant holds. */
export type AddedTenantConfig = Omit<TenantConfig, 'api_keys'>;

/**
 * What is wrong with a tenant added beside the config file, on the config it joins: the file's checks, and its
 * default tags must be ones the config already gives a meaning (it cannot define a tag, as a file's tenant can).
 */
export function addedTenantProblems(t: AddedTenantConfig, routing: RoutingConfig): SchemaProblem[] {
  const problems = tenantProblems({ ...t, api_keys: [] }, '', routing.sensitivity, routing.serves);
  (t.default_tags ?? []).forEach((tag, i) => {
    if (!routing.knownTags.has(tag)) problems.push({ path: `.default_tags[${i}]`, message: `unknown tag '${tag}'` });
  });
  return problems.map((p) => ({ ...p, path: p.path.replace(/^\./, '') }));
}

/** The config with tenants added beside its file's (checked with `addedTenantProblems` first). */
export function withAddedTenants(routing: RoutingConfig, added: readonly AddedTenantConfig[]): RoutingConfig {
  if (added.length === 0) return routing;
  const tenants = new Map(routing.tenants);
  for (const t of added) tenants.set(t.id, buildTenant({ ...t, api_keys: [] }, routing.scanLimits));
  return Object.freeze({ ...routing, tenants });
}

function duplicates(values: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return dup;
}

/** The cross-field rules a schema cannot say. Every problem is returned, each with its path. */
function checkMeaning(
  file: RoutingFile,
  routes: readonly Route[],
  sensitivity: Sensitivity,
  policy: CompiledPolicy,
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const levels = sensitivity.levels;
  const top = levels.length - 1;

  for (const level of duplicates(levels)) add('sensitivity.levels', `level '${level}' is listed twice`);
  for (const [tag, level] of Object.entries(file.sensitivity?.tags ?? {})) {
    if (sensitivity.rankOf(level) < 0)
      add(`sensitivity.tags.${tag}`, `unknown level '${level}' (levels: ${levels.join(', ')})`);
  }
  const routeIds = new Set(file.routes.map((r) => r.id));
  for (const id of duplicates(file.routes.map((r) => r.id))) add('routes', `route id '${id}' is used twice`);
  for (const id of duplicates(file.tenants.map((t) => t.id))) add('tenants', `tenant id '${id}' is used twice`);

  const served = (model: string) => routes.some((r) => r.upstreamModel(model) !== undefined);
  routes.forEach((route, i) => {
    const at = `routes[${i}]`;
    if (route.clearanceRank < 0)
      add(`${at}.clearance`, `unknown level '${route.clearance}' (levels: ${levels.join(', ')})`);
    else {
      // The config may not declare what the planner would refuse: the invariants at the level the route claims.
      const refused = violatedInvariant(route, { rank: route.clearanceRank, top, level: route.clearance, regions: [] });
      if (refused) add(`${at}.clearance`, refused.detail);
    }
    const p = route.pricing;
    if (
      p.fixed_per_hour_usd !== undefined &&
      (p.models || p.fee_percent !== undefined || p.markup_per_mtok !== undefined)
    ) {
      add(
        `${at}.pricing`,
        'fixed_per_hour_usd (zero marginal cost) cannot be combined with per-token prices, fees or markups',
      );
    }
    if (route.models !== '*') {
      for (const model of route.models) {
        if (!route.priceOf(model))
          add(`${at}.models`, `no price for '${model}': add it to pricing.models or a catalogue`);
      }
    }
  });

  file.tenants.forEach((t, i) => problems.push(...tenantProblems(t, `tenants[${i}]`, sensitivity, served)));

  // A finding must mean a tag the config defines: a typo here would leave what the detector finds unprotected.
  const defined = definedTags(file, sensitivity, policy);
  for (const [kind, tag] of Object.entries(file.sensitivity?.detect ?? {})) {
    if (kind === SCAN_FAILED)
      add(`sensitivity.detect.${kind}`, 'a failed scan always means the top level: it cannot be mapped lower');
    else if (kind === UNREADABLE_CONTENT)
      add(`sensitivity.detect.${kind}`, "is set per tenant, as 'auto_tag_unreadable'");
    else if (!defined.has(tag))
      add(
        `sensitivity.detect.${kind}`,
        `'${tag}' is not a tag this config defines (a sensitivity tag, a level, a residency tag or one a rule uses)`,
      );
  }

  for (const rule of policy.rules) {
    const e = rule.event;
    if (e.type === 'require' || e.type === 'exclude' || e.type === 'prefer') {
      for (const id of e.params.routes ?? [])
        if (!routeIds.has(id))
          add(rule.source, `rule '${rule.name}' names route '${id}', which the config does not declare`);
    }
    if (e.type === 'set-model' && !served(e.params.model))
      add(rule.source, `rule '${rule.name}' sets model '${e.params.model}', which no route serves`);
  }
  return problems;
}

/**
 * Presidio's entity types the analyzer may report, with the tag each means by default (the detector's own
 * kinds are in `TAG_OF`). An analyzer's failure is `analyzer_failed`, which means the top level unless the
 * config says `on_error: fail_open`.
 */
const ANALYZER_ENTITY_TAGS: Readonly<Record<string, string>> = {
  CREDIT_CARD: 'pci',
  US_BANK_NUMBER: 'pii',
  IBAN_CODE: 'pii',
  US_SSN: 'pii',
  US_PASSPORT: 'pii',
  US_DRIVER_LICENSE: 'pii',
  US_ITIN: 'pii',
  UK_NHS: 'phi',
  MEDICAL_LICENSE: 'phi',
  EMAIL_ADDRESS: 'pii',
  PHONE_NUMBER: 'pii',
  IP_ADDRESS: 'pii',
  CRYPTO: 'pci',
};

/** Every tag the config gives a meaning (see `RoutingConfig.knownTags`). */
function definedTags(file: RoutingFile, sensitivity: Sensitivity, policy: CompiledPolicy): ReadonlySet<string> {
  return new Set([
    ...Object.keys(file.sensitivity?.tags ?? DEFAULT_TAG_LEVELS),
    ...sensitivity.levels,
    ...Object.keys(file.residency ?? {}),
    ...policy.rules.flatMap((r) => r.tags),
    ...file.tenants.flatMap((t) => t.default_tags ?? []),
  ]);
}

function detectTagsOf(file: RoutingFile, sensitivity: Sensitivity): ReadonlyMap<string, string> {
  const top = sensitivity.levels[sensitivity.levels.length - 1] as string;
  const onError = file.sensitivity?.analyzer?.on_error === 'fail_open' ? [] : [[ANALYZER_FAILED, top] as const];
  // Content the detector cannot read means the top level unless its tenant says otherwise (see the planner).
  const scan = [
    [UNREADABLE_CONTENT, top],
    [SCAN_FAILED, top],
  ] as const;
  return new Map([
    ...Object.entries(TAG_OF),
    ...Object.entries(ANALYZER_ENTITY_TAGS),
    ...onError,
    ...Object.entries(file.sensitivity?.detect ?? {}),
    ...scan,
  ]);
}

/**
 * Turns a schema-valid config file, the price catalogue and the compiled policy into the planner's view
 * of them, after checking what the schema cannot (unknown levels, duplicate ids, unpriced models, only
 * on-prem routes cleared for the top level). Throws a `ConfigError` listing every problem.
 */
export function prepareRouting(
  file: RoutingFile,
  catalogue: PriceCatalogue,
  policy: CompiledPolicy,
  source = 'config',
): RoutingConfig {
  const sensitivity = createSensitivity(
    file.sensitivity?.levels ?? DEFAULT_LEVELS,
    file.sensitivity?.tags ?? DEFAULT_TAG_LEVELS,
  );
  const routes = file.routes.map((r, i) => buildRoute(r, i, sensitivity, catalogue));
  const problems = checkMeaning(file, routes, sensitivity, policy);
  if (problems.length > 0) throw new ConfigError(source, problems);
  const named = new Set(routes.flatMap((r) => (r.models === '*' ? [] : r.models)));
  const scanLimits = scanLimitsOf(file);
  const anyModel = routes.some((r) => r.models === '*');
  return Object.freeze({
    sensitivity,
    routes: Object.freeze(routes),
    serves: (model: string) => anyModel || named.has(model),
    tenants: new Map(file.tenants.map((t) => [t.id, buildTenant(t, scanLimits)])),
    policy,
    knownTags: definedTags(file, sensitivity, policy),
    residency: new Map(Object.entries(file.residency ?? {})),
    detectTags: detectTagsOf(file, sensitivity),
    minLatencySamples: file.planner?.min_latency_samples ?? 20,
    expectedOutputTokens: file.planner?.expected_output_tokens ?? 512,
    strategy: file.routing?.strategy ?? 'cost',
    tiePercent: file.routing?.tie_percent ?? 5,
    fallbacks: new Map(Object.entries(file.fallbacks ?? {})),
    sameFamilyOnlyTags: new Set(file.routing?.same_family_only_tags ?? []),
    scanLimits,
  });
}
