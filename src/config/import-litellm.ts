import { hashApiKey } from './tenant-keys.js';
import { PROVIDER_PRESETS, type Preset, type ProviderId } from './provider-presets.js';

/** One line of the import's report: what a LiteLLM setting became, or why it did not. */
export interface ImportNote {
  readonly source: string;
  readonly mapped: boolean;
  readonly note: string;
}

export interface ImportResult {
  /** The Switchyard config, as an object to write as YAML. */
  readonly config: Record<string, unknown>;
  /** Rules for LiteLLM's tag routing, to write beside the config (`policies: [...]` names the file). */
  readonly tagRules?: { readonly rules: readonly object[] };
  readonly notes: readonly ImportNote[];
}

/** LiteLLM's provider prefix → the preset it means. */
const PROVIDERS: Record<string, ProviderId> = {
  openai: 'openai',
  text_completion_openai: 'openai',
  azure: 'azure',
  bedrock: 'bedrock',
  vertex_ai: 'vertex',
  anthropic: 'anthropic',
  gemini: 'gemini',
  mistral: 'mistral',
  deepseek: 'deepseek',
  xai: 'xai',
  groq: 'groq',
  cerebras: 'cerebras',
  openrouter: 'openrouter',
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  hosted_vllm: 'vllm',
  vllm: 'vllm',
  ollama: 'ollama',
  ollama_chat: 'ollama',
};
/** What the clearance of an imported route is set to, by kind: a statement to review (LiteLLM has none). */
const CLEARANCE = { direct: 'confidential', aggregator: 'internal', onprem: 'restricted' } as const;
const STRATEGIES: Record<string, { strategy: string; exact: boolean }> = {
  'simple-shuffle': { strategy: 'weighted', exact: true },
  'least-busy': { strategy: 'least_busy', exact: true },
  'latency-based-routing': { strategy: 'latency', exact: true },
  'cost-based-routing': { strategy: 'cost', exact: true },
  'usage-based-routing': { strategy: 'least_busy', exact: false },
  'usage-based-routing-v2': { strategy: 'least_busy', exact: false },
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** `os.environ/NAME`, LiteLLM's way to read a value from the environment. */
const ENV_REF = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;
/** A loopback, private-range or local-name host: a server in the building, whatever its provider prefix says. */
const PRIVATE_HOST =
  /^(?:localhost|127\.\d+\.\d+\.\d+|\[::1\]|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(?:1[6-9]|2\d|3[01])\.\d+\.\d+|[^.]+|.+\.(?:local|internal|lan|home\.arpa))$/i;

function isPrivateBase(base: string): boolean {
  try {
    return PRIVATE_HOST.test(new URL(base).hostname);
  } catch {
    return false;
  }
}
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'route';

type Note = (source: string, mapped: boolean, text: string) => void;

/** What every deployment's translation shares: the notes, the key rule, the ids taken, the tags seen. */
interface DeploymentContext {
  readonly note: Note;
  readonly secret: (value: unknown, envName: string, source: string) => string | undefined;
  readonly used: Set<string>;
  readonly byTag: Map<string, string[]>;
  readonly retries: number;
  readonly timeoutS: number;
}

/**
 * Where a Bedrock or Vertex deployment runs (its region, which residency reads too) and Vertex's project, as LiteLLM
 * names them; their credentials are the environment's (AWS's or Google's own variables), never copied from the file.
 */
function cloudSettings(provider: ProviderId, params: Record<string, unknown>, at: string, note: Note) {
  const fromEnv = (v: unknown) => {
    if (typeof v !== 'string' || v === '') return undefined;
    const ref = ENV_REF.exec(v);
    return ref ? `\${${ref[1]}}` : v;
  };
  const settings: Record<string, unknown> = {};
  if (provider === 'bedrock') {
    const region = fromEnv(params.aws_region_name);
    if (region) settings.region = region;
    if (params.aws_access_key_id !== undefined || params.aws_secret_access_key !== undefined)
      note(
        at,
        false,
        'AWS keys are read from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), never from the file',
      );
  }
  if (provider === 'vertex') {
    const location = fromEnv(params.vertex_location);
    const project = fromEnv(params.vertex_project);
    if (location) settings.region = location;
    if (project) settings.project = project;
    if (params.vertex_credentials !== undefined)
      note(
        at,
        false,
        'Google credentials come from the environment (GOOGLE_APPLICATION_CREDENTIALS), never from the file',
      );
  }
  return settings;
}

/** One `model_list` entry as a route, or undefined (with a note) when Switchyard cannot carry it. */
function importDeployment(entry: unknown, i: number, ctx: DeploymentContext): Record<string, unknown> | undefined {
  const { note, secret, used, byTag, retries, timeoutS } = ctx;
  const at = `model_list[${i}]`;
  if (
    !isObject(entry) ||
    typeof entry.model_name !== 'string' ||
    !isObject(entry.litellm_params) ||
    typeof entry.litellm_params.model !== 'string'
  ) {
    note(at, false, 'needs model_name and litellm_params.model');
    return undefined;
  }
  const params = entry.litellm_params;
  const target = params.model as string;
  const slash = target.indexOf('/');
  const prefix = slash > 0 ? target.slice(0, slash) : /^claude/.test(target) ? 'anthropic' : 'openai';
  // LiteLLM names Bedrock's API in the model (`bedrock/converse/<id>`); Switchyard always calls Converse.
  const upstream = (slash > 0 ? target.slice(slash + 1) : target).replace(/^converse\//, '');
  const provider = PROVIDERS[prefix];
  if (!provider) {
    note(`${at} (${entry.model_name})`, false, `provider '${prefix}' has no endpoint Switchyard speaks yet`);
    return undefined;
  }
  let id = slug(`${provider}-${entry.model_name}`);
  for (let n = 2; used.has(id); n++) id = slug(`${provider}-${entry.model_name}-${n}`);
  used.add(id);
  const base = typeof params.api_base === 'string' ? params.api_base.replace(/\/$/, '') : undefined;
  const baseEnv = base === undefined ? null : ENV_REF.exec(base);
  // A deployment on a loopback or private address is a server in the building: on-prem, whatever its prefix.
  const kind = base !== undefined && !baseEnv && isPrivateBase(base) ? 'onprem' : PROVIDER_PRESETS[provider].kind;
  const route: Record<string, unknown> = {
    id,
    provider,
    ...(kind === PROVIDER_PRESETS[provider].kind ? {} : { kind }),
    clearance: CLEARANCE[kind],
    models: upstream === entry.model_name ? [upstream] : { [entry.model_name]: upstream },
  };
  if (base !== undefined) route.base_url = baseEnv ? `\${${baseEnv[1]}}` : base;
  // Azure: LiteLLM's `azure/<deployment>` with an `api_version` calls the deployment URL; the v1 endpoint without.
  if (provider === 'azure' && typeof params.api_version === 'string') route.api_version = params.api_version;
  Object.assign(route, cloudSettings(provider, params, `${at}.litellm_params`, note));
  const preset: Preset = PROVIDER_PRESETS[provider];
  const key = secret(
    params.api_key,
    preset.keyVar ?? `${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`,
    `${at}.litellm_params.api_key`,
  );
  if (key) route.api_key = key;
  const rpm = Number(params.rpm ?? entry.rpm);
  const tpm = Number(params.tpm ?? entry.tpm);
  if (rpm > 0 || tpm > 0) route.limits = { ...(rpm > 0 ? { rpm } : {}), ...(tpm > 0 ? { tpm } : {}) };
  if (typeof params.weight === 'number' && params.weight > 0) route.weight = params.weight;
  if (retries > 0) route.retries = { max: Math.min(10, retries) };
  if (timeoutS > 0) route.timeouts = { total_ms: Math.round(timeoutS * 1000) };
  const info = isObject(entry.model_info) ? entry.model_info : {};
  if (typeof info.input_cost_per_token === 'number' && typeof info.output_cost_per_token === 'number') {
    route.pricing = {
      models: {
        [entry.model_name]: {
          input_per_mtok: info.input_cost_per_token * 1e6,
          output_per_mtok: info.output_cost_per_token * 1e6,
        },
      },
    };
  } else if (kind === 'onprem') {
    // A self-hosted model has no per-token price: its server costs by the hour, which LiteLLM does not know.
    route.pricing = { fixed_per_hour_usd: 0 };
    note(
      `${at}.pricing`,
      false,
      `route ${id} is on-prem: priced fixed_per_hour_usd: 0 — set the server's real hourly cost`,
    );
  }
  for (const tag of Array.isArray(params.tags) ? params.tags : [])
    if (typeof tag === 'string') byTag.set(tag, [...(byTag.get(tag) ?? []), id]);
  note(
    `${at} (${entry.model_name})`,
    true,
    `route ${id}: ${provider} preset${route.base_url ? `, base_url ${String(route.base_url)}` : ''}, upstream model ${upstream}, clearance ${CLEARANCE[kind]} (review: LiteLLM has no clearance)`,
  );
  return route;
}

/**
 * Tag routing: requests with a tag go to the deployments with it; untagged ones to those tagged `default`.
 * The rules go to `rulesFile`, which the config then lists.
 */
function importTagRouting(
  byTag: ReadonlyMap<string, string[]>,
  rulesFile: string,
  config: Record<string, unknown>,
  note: Note,
): ImportResult['tagRules'] {
  if (byTag.size === 0) return undefined;
  const named = [...byTag.keys()].filter((t) => t !== 'default');
  const rules = named.map((tag) => ({
    name: `tag-${tag}`,
    priority: 50,
    conditions: { all: [{ fact: 'tags', operator: 'contains', value: tag }] },
    event: { type: 'require', params: { routes: byTag.get(tag) } },
  }));
  const defaults = byTag.get('default');
  if (defaults)
    rules.push({
      name: 'untagged-to-default',
      priority: 40,
      conditions: { all: named.map((tag) => ({ fact: 'tags', operator: 'doesNotContain', value: tag })) },
      event: { type: 'require', params: { routes: defaults } },
    });
  config.policies = [rulesFile];
  // Each tag must mean something to the config, or a request carrying it is refused.
  config.sensitivity = { tags: Object.fromEntries(named.map((t) => [t, 'public'])) };
  note(
    'litellm_params.tags',
    true,
    `tag routing → rules in ${rulesFile} (${named.map((t) => `${t} → ${byTag.get(t)!.join(', ')}`).join('; ')}${defaults ? `; untagged → ${defaults.join(', ')}` : ''})`,
  );
  return { rules };
}

/**
 * Translates a LiteLLM proxy config (`model_list`, `router_settings`, `litellm_settings`, `general_settings`) into
 * Switchyard's: each deployment a route (several of one `model_name` are routes of one model), its provider a
 * preset, `os.environ/X` a `${X}`; fallbacks, retries, timeouts, the routing strategy, rpm/tpm and tag routing
 * where Switchyard has them. A literal secret is never copied: a key becomes a variable to set, a master key its
 * hash. Every setting read is in the notes, mapped or not and why.
 */
export function importLiteLlm(input: unknown, rulesFile = 'imported.rules.json'): ImportResult {
  const notes: ImportNote[] = [];
  const note = (source: string, mapped: boolean, text: string) => notes.push({ source, mapped, note: text });
  if (!isObject(input) || !Array.isArray(input.model_list))
    throw new Error('not a LiteLLM proxy config: no model_list');
  const router = isObject(input.router_settings) ? input.router_settings : {};
  const settings = isObject(input.litellm_settings) ? input.litellm_settings : {};
  const general = isObject(input.general_settings) ? input.general_settings : {};

  const secret = (value: unknown, envName: string, source: string): string | undefined => {
    if (typeof value !== 'string' || value === '') return undefined;
    const env = ENV_REF.exec(value);
    if (env) return `\${${env[1]}}`;
    note(source, false, `a literal key is never copied: set ${envName} and it is read from there`);
    return `\${${envName}}`;
  };

  const retries = Number(router.num_retries ?? settings.num_retries ?? 0);
  const timeoutS = Number(router.timeout ?? settings.request_timeout ?? 0);
  const routes: Record<string, unknown>[] = [];
  const byTag = new Map<string, string[]>();
  const deployments = { note, secret, used: new Set<string>(), byTag, retries, timeoutS };
  input.model_list.forEach((entry: unknown, i: number) => {
    const route = importDeployment(entry, i, deployments);
    if (route) routes.push(route);
  });

  const config: Record<string, unknown> = {};
  const strategy = typeof router.routing_strategy === 'string' ? STRATEGIES[router.routing_strategy] : undefined;
  if (typeof router.routing_strategy === 'string') {
    if (strategy) {
      config.routing = { strategy: strategy.strategy };
      note(
        'router_settings.routing_strategy',
        true,
        `${router.routing_strategy} → routing.strategy: ${strategy.strategy}${strategy.exact ? '' : ' (the nearest: Switchyard counts requests in flight, not tokens used)'}`,
      );
    } else
      note(
        'router_settings.routing_strategy',
        false,
        `'${router.routing_strategy}' has no equivalent; cost (the default) is used`,
      );
  }
  const fallbackLists = [router.fallbacks, settings.fallbacks].filter(Array.isArray).flat() as unknown[];
  const fallbacks: Record<string, string[]> = {};
  for (const f of fallbackLists)
    if (isObject(f))
      for (const [model, list] of Object.entries(f))
        if (Array.isArray(list)) fallbacks[model] = list.filter((m): m is string => typeof m === 'string');
  if (Object.keys(fallbacks).length > 0) {
    config.fallbacks = fallbacks;
    note(
      'fallbacks',
      true,
      Object.entries(fallbacks)
        .map(([m, l]) => `${m} → ${l.join(', ')}`)
        .join('; '),
    );
  }
  if (retries > 0) note('num_retries', true, `retries: { max: ${Math.min(10, retries)} } on every route`);
  if (timeoutS > 0) note('timeout', true, `timeouts.total_ms: ${Math.round(timeoutS * 1000)} on every route`);
  for (const [key, why] of [
    ['context_window_fallbacks', "no equivalent: Switchyard does not count a model's context window"],
    ['allowed_fails', 'the circuit breaker opens after 5 consecutive failures (not configurable yet)'],
    ['cooldown_time', 'the circuit breaker cools down for 30 s (not configurable yet)'],
    ['redis_host', 'use state.redis_url for shared budgets, limits and circuits'],
    ['cache_responses', 'no response cache'],
  ] as const) {
    if (router[key] !== undefined || settings[key] !== undefined) note(key, false, why);
  }
  for (const key of Object.keys(settings)) {
    if (!['fallbacks', 'num_retries', 'request_timeout', 'context_window_fallbacks', 'cache_responses'].includes(key))
      note(
        `litellm_settings.${key}`,
        false,
        "no equivalent (logging, callbacks and parameter handling are the gateway's own)",
      );
  }

  const tagRules = importTagRouting(byTag, rulesFile, config, note);

  const masterKey = general.master_key;
  const env = typeof masterKey === 'string' ? ENV_REF.exec(masterKey) : null;
  const tenantKey = env
    ? `\${${env[1]}}`
    : typeof masterKey === 'string'
      ? `sha256:${hashApiKey(masterKey)}`
      : '${SWITCHYARD_TENANT_KEY}';
  note(
    'general_settings.master_key',
    masterKey !== undefined,
    masterKey === undefined
      ? 'no master key: tenant "default" reads its key from SWITCHYARD_TENANT_KEY'
      : `tenant "default" with the master key${env ? ` from ${env[1]}` : ' (stored hashed)'}`,
  );
  for (const key of Object.keys(general))
    if (key !== 'master_key') note(`general_settings.${key}`, false, 'no equivalent in Switchyard');

  return {
    config: { ...config, routes, tenants: [{ id: 'default', api_keys: [tenantKey] }] },
    ...(tagRules ? { tagRules } : {}),
    notes,
  };
}
