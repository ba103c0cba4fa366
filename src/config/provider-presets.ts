import type { RouteKind, WireFormatId } from '../engine/config-schema.js';

export interface Preset {
  readonly base_url: string;
  /** What the provider adds to the model makers' prices (OpenRouter: 5.5 % on credits). */
  readonly fee_percent?: number;
  readonly kind: RouteKind;
  readonly format: WireFormatId;
  /** The environment variable the provider's own SDKs read the key from; none for local servers. */
  readonly keyVar?: string;
  /**
   * Route settings the provider's SDKs take from the environment (Bedrock's region, Vertex's project and location),
   * used when the route does not say; `{region}` in `base_url` is the route's region.
   */
  readonly settings?: Readonly<Record<string, string>>;
  /** The variables whose presence says the provider is set up here (`switchyard init`); `keyVar` by default. */
  readonly detect?: readonly string[];
}

/**
 * Providers whose documented endpoint Switchyard speaks (OpenAI's chat-completions shape, or Anthropic's
 * Messages API): `provider: openai` stands for the base URL, the format, the usual key variable and the kind.
 * Aggregators serve every catalogue model (`models: "*"`); local servers (vLLM, Ollama) are on-prem.
 */
export const PROVIDER_PRESETS = {
  openai: { base_url: 'https://api.openai.com/v1', kind: 'direct', format: 'openai', keyVar: 'OPENAI_API_KEY' },
  anthropic: {
    base_url: 'https://api.anthropic.com',
    kind: 'direct',
    format: 'anthropic',
    keyVar: 'ANTHROPIC_API_KEY',
  },
  // The Gemini API's own format: usageMetadata with cached tokens, function declarations with their JSON Schema.
  gemini: {
    base_url: 'https://generativelanguage.googleapis.com/v1beta',
    kind: 'direct',
    format: 'gemini',
    keyVar: 'GEMINI_API_KEY',
  },
  mistral: { base_url: 'https://api.mistral.ai/v1', kind: 'direct', format: 'openai', keyVar: 'MISTRAL_API_KEY' },
  deepseek: { base_url: 'https://api.deepseek.com/v1', kind: 'direct', format: 'openai', keyVar: 'DEEPSEEK_API_KEY' },
  xai: { base_url: 'https://api.x.ai/v1', kind: 'direct', format: 'openai', keyVar: 'XAI_API_KEY' },
  groq: { base_url: 'https://api.groq.com/openai/v1', kind: 'direct', format: 'openai', keyVar: 'GROQ_API_KEY' },
  cerebras: { base_url: 'https://api.cerebras.ai/v1', kind: 'direct', format: 'openai', keyVar: 'CEREBRAS_API_KEY' },
  openrouter: {
    base_url: 'https://openrouter.ai/api/v1',
    kind: 'aggregator',
    format: 'openai',
    keyVar: 'OPENROUTER_API_KEY',
    fee_percent: 5.5,
  },
  together: {
    base_url: 'https://api.together.xyz/v1',
    kind: 'aggregator',
    format: 'openai',
    keyVar: 'TOGETHER_API_KEY',
  },
  fireworks: {
    base_url: 'https://api.fireworks.ai/inference/v1',
    kind: 'aggregator',
    format: 'openai',
    keyVar: 'FIREWORKS_API_KEY',
  },
  // Azure OpenAI: the resource's endpoint and key from Azure's usual variables; the v1 endpoint unless the route
  // gives an `api_version` (then its deployment URLs: `models` maps each public name to its deployment).
  azure: {
    base_url: '${AZURE_OPENAI_ENDPOINT}',
    kind: 'direct',
    format: 'azure-openai',
    keyVar: 'AZURE_OPENAI_API_KEY',
    detect: ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT'],
  },
  // Bedrock's Converse API in the route's region, signed with the environment's AWS credentials (SigV4).
  bedrock: {
    base_url: 'https://bedrock-runtime.{region}.amazonaws.com',
    kind: 'direct',
    format: 'bedrock',
    settings: { region: '${AWS_REGION}' },
    detect: ['AWS_ACCESS_KEY_ID', 'AWS_REGION'],
  },
  // Vertex AI in the route's location and project, with the environment's Google credentials (an OAuth token).
  vertex: {
    base_url: 'https://{region}-aiplatform.googleapis.com',
    kind: 'direct',
    format: 'vertex',
    settings: { region: '${GOOGLE_CLOUD_LOCATION}', project: '${GOOGLE_CLOUD_PROJECT}' },
    detect: ['GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_LOCATION'],
  },
  vllm: { base_url: 'http://127.0.0.1:8000/v1', kind: 'onprem', format: 'openai' },
  ollama: { base_url: 'http://127.0.0.1:11434/v1', kind: 'onprem', format: 'openai' },
} as const satisfies Record<string, Preset>;

export type ProviderId = keyof typeof PROVIDER_PRESETS;

/** The variables that say a provider is set up in this environment (none for a local server). */
export function detectedBy(preset: Preset): readonly string[] {
  return preset.detect ?? (preset.keyVar ? [preset.keyVar] : []);
}
export const PROVIDER_IDS = Object.keys(PROVIDER_PRESETS) as ProviderId[];

/**
 * Fills what a route's `provider` stands for into the raw config (before `${VAR}` substitution and the schema
 * check), without overriding anything the route says itself. An aggregator preset also serves every catalogue
 * model and, when the route names no clearance, the lowest level — data leaves through a third party. A direct
 * provider or an on-prem server must state its clearance: that stays required.
 */
export function applyProviderPresets(raw: unknown): unknown {
  if (!isObject(raw) || !Array.isArray(raw.routes)) return raw;
  const levels =
    isObject(raw.sensitivity) && Array.isArray(raw.sensitivity.levels) ? raw.sensitivity.levels : undefined;
  const lowest = typeof levels?.[0] === 'string' ? levels[0] : 'public';
  return {
    ...raw,
    routes: raw.routes.map((route: unknown) => {
      if (!isObject(route) || typeof route.provider !== 'string' || !(route.provider in PROVIDER_PRESETS)) return route;
      const preset: Preset = PROVIDER_PRESETS[route.provider as ProviderId];
      const settings = { ...preset.settings, ...route };
      const region = typeof settings.region === 'string' ? settings.region : '';
      return {
        // Vertex's `global` location has no regional host: its endpoint is the bare one.
        base_url:
          region === 'global' ? preset.base_url.replace('{region}-', '') : preset.base_url.replace('{region}', region),
        ...preset.settings,
        kind: preset.kind,
        format: preset.format,
        ...(preset.keyVar ? { api_key: `\${${preset.keyVar}}` } : {}),
        ...(preset.kind === 'aggregator' ? { models: '*', clearance: lowest } : {}),
        ...(preset.fee_percent === undefined ? {} : { pricing: { fee_percent: preset.fee_percent } }),
        ...route,
      };
    }),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
