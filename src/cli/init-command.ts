import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load-config.js';
import {
  detectedBy,
  PROVIDER_IDS,
  PROVIDER_PRESETS,
  type Preset,
  type ProviderId,
} from '../config/provider-presets.js';
import { hashApiKey } from '../config/tenant-keys.js';
import { parsePositiveInt, UsageError } from './cli-error.js';

export interface InitOptions {
  out: string;
  providers?: string;
  clearance: string;
  baseUrl: string[];
  onprem?: string;
  onpremUsdPerHour: string;
  tenant: string;
  port: string;
  force?: boolean;
  demo?: boolean;
  /** The embedded store's folder (keys and tenants through the admin API), or false for none. */
  store: string | false;
}

/**
 * With a store, the admin API needs an admin key: `${SWITCHYARD_ADMIN_KEY}` when that is set now, else a new
 * one written into the file (shown once here).
 */
function adminKeyFor(store: string | false): { configured?: string; shown?: string } {
  if (store === false) return {};
  if (process.env.SWITCHYARD_ADMIN_KEY) return { configured: '${SWITCHYARD_ADMIN_KEY}' };
  const made = `sy-admin-${randomBytes(24).toString('hex')}`;
  return { configured: made, shown: made };
}

/**
 * The models a new config starts with per provider: ones the built-in catalogue prices. Azure's are deployments
 * named after their models (the v1 endpoint); Bedrock's the inference profiles of the region's geography.
 */
const STARTER_MODELS: Partial<Record<ProviderId, () => string[] | Record<string, string>>> = {
  openai: () => ['gpt-5', 'gpt-5-mini'],
  anthropic: () => ['claude-sonnet-4-6', 'claude-haiku-4-5'],
  gemini: () => ['gemini-2.5-pro', 'gemini-2.5-flash'],
  vertex: () => ['gemini-2.5-pro', 'gemini-2.5-flash'],
  azure: () => ['gpt-5', 'gpt-5-mini'],
  bedrock: () => {
    const geo = (process.env.AWS_REGION ?? '').startsWith('eu-') ? 'eu' : 'us';
    return {
      'claude-sonnet-4-6': `${geo}.anthropic.claude-sonnet-4-6`,
      'claude-haiku-4-5': `${geo}.anthropic.claude-haiku-4-5-20251001-v1:0`,
    };
  },
};
const namesOf = (models: string[] | Record<string, string>) => (Array.isArray(models) ? models : Object.keys(models));

/** An on-prem server's models, from its OpenAI-compatible `GET /models`; undefined when it does not answer. */
async function localModels(baseUrl: string): Promise<string[] | undefined> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/$/, '')}/models`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { data?: { id?: unknown }[] };
    const ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
    return ids.length > 0 ? ids : undefined;
  } catch {
    return undefined;
  }
}

export async function init(options: InitOptions): Promise<number> {
  if (existsSync(options.out) && !options.force)
    throw new UsageError(`${options.out} exists: pass --force to replace it, or --out FILE`);
  if (options.demo) {
    copyFileSync(fileURLToPath(new URL('../../switchyard.example.yaml', import.meta.url)), options.out);
    console.log(
      `wrote ${options.out} (the example: one route of each kind, three tenants)\nstart it with mock upstreams, no keys needed:  npx switchyard serve -c ${options.out} --mock-upstreams\nthe demo tenants' keys are in the README (Try it with no keys)`,
    );
    return 0;
  }
  const port = parsePositiveInt(options.port, '--port');
  const overrides = new Map(
    options.baseUrl.map((pair) => {
      const [id, url] = pair.split(/=(.*)/s) as [string, string | undefined];
      if (!url || !PROVIDER_IDS.includes(id as ProviderId))
        throw new UsageError(
          `--base-url takes PROVIDER=URL with a provider of ${PROVIDER_IDS.join(', ')}, not '${pair}'`,
        );
      return [id, url];
    }),
  );
  const wanted = options.providers
    ? options.providers.split(',').map((p) => p.trim())
    : PROVIDER_IDS.filter((id) => {
        const vars = detectedBy(PROVIDER_PRESETS[id]);
        return vars.length > 0 && vars.every((v) => (process.env[v] ?? '') !== '');
      });
  for (const p of wanted)
    if (!PROVIDER_IDS.includes(p as ProviderId))
      throw new UsageError(`unknown provider '${p}' (one of ${PROVIDER_IDS.join(', ')})`);
  const routes: Record<string, unknown>[] = [];
  const said: string[] = [];
  for (const id of wanted as ProviderId[]) {
    const preset: Preset = PROVIDER_PRESETS[id];
    const base = overrides.get(id);
    if (preset.kind === 'aggregator') routes.push({ id, provider: id, ...(base ? { base_url: base } : {}) });
    else if (preset.kind === 'onprem')
      continue; // local servers come with --onprem
    else if (STARTER_MODELS[id])
      routes.push({
        id,
        provider: id,
        clearance: options.clearance,
        models: STARTER_MODELS[id](),
        ...(base ? { base_url: base } : {}),
      });
    else {
      said.push(`${id}: key found, but no starter models with a known price: add a route with its models and pricing`);
      continue;
    }
    said.push(
      `${id}: ${preset.kind === 'aggregator' ? 'every catalogue model' : namesOf(STARTER_MODELS[id]?.() ?? []).join(', ')}${detectedBy(preset).length ? ` (from ${detectedBy(preset).join(', ')})` : ''}`,
    );
  }
  if (options.onprem) {
    const models = await localModels(options.onprem);
    if (!models)
      throw new UsageError(`--onprem ${options.onprem}: no OpenAI-compatible server answers GET /models there`);
    routes.push({
      id: 'onprem',
      kind: 'onprem',
      base_url: options.onprem.replace(/\/$/, ''),
      clearance: 'restricted',
      models,
      pricing: { fixed_per_hour_usd: Number(options.onpremUsdPerHour) },
    });
    said.push(`onprem: ${models.join(', ')} at ${options.onprem} (may carry restricted data)`);
  }
  if (routes.length === 0) {
    throw new UsageError(
      `no provider key in the environment (${PROVIDER_IDS.flatMap((id) => detectedBy(PROVIDER_PRESETS[id]).join(' + ') || []).join(', ')}), no --providers and no --onprem: set a key, or try the demo: switchyard init --demo`,
    );
  }
  const key = `sk-sy-${randomBytes(24).toString('hex')}`;
  const admin = adminKeyFor(options.store);
  const config = {
    server: { host: '127.0.0.1', port, ...(admin.configured ? { admin_key: admin.configured } : {}) },
    ...(options.store === false ? {} : { store: { path: options.store } }),
    routes,
    tenants: [{ id: options.tenant, api_keys: [`sha256:${hashApiKey(key)}`] }],
  };
  const header = `# Written by \`switchyard init\`. Direct providers' clearance is '${options.clearance}': the highest sensitivity\n# level each may carry. Raise it only for data you may send there (see the README, "What it decides").\n`;
  writeFileSync(options.out, header + stringify(config));
  await loadConfig(options.out);
  // The first route's last starter model is its cheapest: what the first try should cost.
  const model =
    routes
      .map((r) => (Array.isArray(r.models) ? (r.models as string[]).at(-1) : undefined))
      .find((m) => m !== undefined) ?? 'gpt-5-mini';
  console.log(
    [
      `wrote ${options.out}:`,
      ...said.map((s) => `  ${s}`),
      `tenant ${options.tenant}'s key (shown once, stored hashed): ${key}`,
      ...(options.store === false
        ? []
        : [
            `keys and tenants through the admin API, stored in ${options.store} (embedded PGlite, no server)`,
            admin.shown
              ? `admin key (written to ${options.out}; shown once): ${admin.shown}`
              : 'admin key: from SWITCHYARD_ADMIN_KEY',
          ]),
      '',
      `start:  npx switchyard serve${options.out === DEFAULT_CONFIG_PATH ? '' : ` -c ${options.out}`}`,
      `try:    curl -s http://127.0.0.1:${port}/v1/chat/completions -H "authorization: Bearer ${key}" -H "content-type: application/json" -d '{"model":"${model}","messages":[{"role":"user","content":"Say hello"}]}'`,
      `check:  npx switchyard check${options.out === DEFAULT_CONFIG_PATH ? '' : ` -c ${options.out}`} --probe`,
    ].join('\n'),
  );
  return 0;
}
