import { Type, type Static } from '@sinclair/typebox';
import { RedactionSchema } from './redaction.js';

/**
 * What the planner reads of the config file (`switchyard.yaml`), as TypeBox schemas; types come from
 * `Static<>`. Transport, server and log settings are the gateway's and live in `src/config/config-schema.ts`.
 */

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'letters, digits, . _ -' });
const Usd = Type.Number({ minimum: 0 });
const Millis = Type.Integer({ minimum: 1 });

export const RouteKind = Type.Union([Type.Literal('aggregator'), Type.Literal('direct'), Type.Literal('onprem')]);
export type RouteKind = Static<typeof RouteKind>;
export const ROUTE_KINDS: readonly RouteKind[] = ['aggregator', 'direct', 'onprem'];

export const WireFormatId = Type.Union([
  Type.Literal('openai'),
  Type.Literal('anthropic'),
  Type.Literal('openai-responses'),
  Type.Literal('azure-openai'),
  Type.Literal('bedrock'),
  Type.Literal('gemini'),
  Type.Literal('vertex'),
]);
export type WireFormatId = Static<typeof WireFormatId>;

export const TokenPriceSchema = Type.Object(
  {
    input_per_mtok: Usd,
    output_per_mtok: Usd,
    cached_input_per_mtok: Type.Optional(Usd),
    cache_write_per_mtok: Type.Optional(Usd),
    max_output_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type TokenPriceConfig = Static<typeof TokenPriceSchema>;

/**
 * How a route is priced. A model's price is `models[model]`, else `models['*']`, else the catalogue's price
 * for the public (then the upstream) model name; `fee_percent` and `markup_per_mtok` are added on top.
 * `fixed_per_hour_usd` instead makes every token free at the margin (an on-prem server paid by the hour).
 */
export const RoutePricingSchema = Type.Object(
  {
    fee_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    markup_per_mtok: Type.Optional(Usd),
    models: Type.Optional(Type.Record(Type.String({ minLength: 1 }), TokenPriceSchema)),
    fixed_per_hour_usd: Type.Optional(Usd),
  },
  { additionalProperties: false },
);
export type RoutePricing = Static<typeof RoutePricingSchema>;

/** Latency the operator expects before any is observed (the planner's prior for the SLO check). */
export const LatencyPriorSchema = Type.Object(
  { p50_ms: Type.Optional(Millis), p95_ms: Type.Optional(Millis), ttft_p95_ms: Type.Optional(Millis) },
  { additionalProperties: false },
);

const RegionName = Type.String({ minLength: 1, pattern: '^[a-z0-9][a-z0-9-]*$' });
/** Regions a request may be processed in: any one of them. */
const Regions = Type.Array(RegionName, { minItems: 1 });

/** Data residency: tag → the regions a request with that tag may be processed in (any one of them). */
export const ResidencySchema = Type.Record(Type.String({ minLength: 1 }), Regions);

export const RouteSchema = Type.Object(
  {
    id: Id,
    kind: RouteKind,
    format: Type.Optional(WireFormatId),
    clearance: Type.String({ minLength: 1 }),
    /** `'*'`, a list of public model names, or a map from public name to the upstream's own name. */
    models: Type.Union([
      Type.Literal('*'),
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
      Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 })),
    ]),
    pricing: Type.Optional(RoutePricingSchema),
    latency: Type.Optional(LatencyPriorSchema),
    /** Where the route processes data: `eu`, `eu-west-1`, `us`, or several. `eu` also covers `eu-west-1`. */
    region: Type.Optional(Type.Union([RegionName, Type.Array(RegionName, { minItems: 1 })])),
    /** Its share of the traffic among routes ranked as equals, under `routing.strategy: weighted` (default 1). */
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);
/** What the planner knows of a route; how to reach it (URL, key, timeouts) is the gateway's (`src/config`). */
export type RouteConfig = Static<typeof RouteSchema>;

export const OnExceed = Type.Union([Type.Literal('deny'), Type.Literal('downgrade'), Type.Literal('cheapest')]);
export type OnExceed = Static<typeof OnExceed>;

export const BudgetSchema = Type.Object(
  {
    daily_usd: Type.Optional(Usd),
    monthly_usd: Type.Optional(Usd),
    on_exceed: Type.Optional(OnExceed),
    /** The cheaper model `downgrade` sends over-budget requests to. */
    downgrade_to: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type BudgetConfig = Static<typeof BudgetSchema>;

/**
 * Budget alerts: a JSON POST to `webhook_url` when a window's settled spend crosses each percentage of the budget,
 * once per window and threshold (the gateway sends them; the planner does not read them).
 */
export const AlertsSchema = Type.Object(
  {
    webhook_url: Type.String({ pattern: '^https?://', maxLength: 2000 }),
    at_percent: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 1000 }), { minItems: 1, maxItems: 10, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);
export type AlertsConfig = Static<typeof AlertsSchema>;

export const TenantSchema = Type.Object(
  {
    id: Id,
    /** `sha256:<hex>` of a key (see `switchyard hash-key`), or `${ENV_VAR}` holding the key itself. */
    api_keys: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    default_tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    slo_ms: Type.Optional(Millis),
    /** Run the sensitive-content detector over every request's whole body (see docs/detection.md). */
    auto_tag: Type.Optional(Type.Boolean()),
    /** Mask these kinds of what the detector finds before planning; restore them in the answer (docs/redaction.md). */
    redaction: Type.Optional(RedactionSchema),
    /**
     * The response cache for this tenant, when the config has one: `enabled: false` keeps its requests out; its own
     * TTL; `nondeterministic: true` caches answers sampled with temperature > 0 and no seed too.
     */
    cache: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          ttl_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 * 86_400 })),
          nondeterministic: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * The level a request with content the detector cannot read (an image, a PDF, past the decoding bound) needs; the
     * top level by default.
     */
    auto_tag_unreadable: Type.Optional(Type.String({ minLength: 1 })),
    /** `false`: a request with the tags header is refused (400); only default tags and the detector decide. */
    accept_header_tags: Type.Optional(Type.Boolean()),
    /** Public model names this tenant may use; all that some route serves when absent. */
    models: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    budget: Type.Optional(BudgetSchema),
    /** Rate limits: requests and (estimated worst-case) tokens per UTC minute, and requests in flight. */
    limits: Type.Optional(
      Type.Object(
        {
          rpm: Type.Optional(Type.Integer({ minimum: 1 })),
          tpm: Type.Optional(Type.Integer({ minimum: 1 })),
          concurrent: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * While the shared state (Redis) is away: `fail_closed` (the default) refuses requests its budget or limits
     * guard (429 `state_unavailable`); `fail_open` serves them on this instance's own counts.
     */
    when_state_unavailable: Type.Optional(Type.Union([Type.Literal('fail_closed'), Type.Literal('fail_open')])),
    /** `same_family_only`: never fall back to another model family (`gpt-…` to `claude-…`) for this tenant. */
    fallbacks: Type.Optional(Type.Union([Type.Literal('any'), Type.Literal('same_family_only')])),
    /** All of this tenant's data stays in these regions (any one of them), whatever its tags. */
    regions: Type.Optional(Regions),
    alerts: Type.Optional(AlertsSchema),
  },
  { additionalProperties: false },
);
export type TenantConfig = Static<typeof TenantSchema>;

export const DEFAULT_LEVELS = ['public', 'internal', 'confidential', 'restricted'];
export const DEFAULT_TAG_LEVELS: Readonly<Record<string, string>> = {
  phi: 'restricted',
  pii: 'restricted',
  pci: 'restricted',
  secret: 'restricted',
  sensitive: 'restricted',
};

export const SensitivitySchema = Type.Object(
  {
    /** Lowest first. Untagged traffic is at the lowest level. */
    levels: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    /** Tag → the level it needs. Tags not listed need the lowest level. */
    tags: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }))),
    /**
     * What the detector or an analyzer finds (a kind such as `mrn`, or an analyzer's entity type) → the tag it means.
     */
    detect: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }))),
    /** What the detector's scan of one body may read before it gives up (and the request goes to the top level). */
    scan: Type.Optional(
      Type.Object(
        {
          max_chars: Type.Optional(Type.Integer({ minimum: 1 })),
          max_depth: Type.Optional(Type.Integer({ minimum: 1 })),
          max_decoded_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
          timeout_ms: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** A Presidio-compatible analyzer the gateway also asks (`POST {url}/analyze`). */
    analyzer: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https?://[^\\s]+$' }),
          timeout_ms: Type.Optional(Type.Integer({ minimum: 1 })),
          /**
           * What an analyzer that fails or times out means: the request is treated as top level (default), or as not
           * found.
           */
          on_error: Type.Optional(Type.Union([Type.Literal('fail_closed'), Type.Literal('fail_open')])),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const PlannerSchema = Type.Object(
  {
    /** Observed latency counts only once a route has this many samples; before that, the route's prior. */
    min_latency_samples: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Output tokens expected when a request sets no `max_tokens` (ranking only; budgets use the limit). */
    expected_output_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** How the planner chooses among routes it ranks as equals. */
export const RoutingStrategySchema = Type.Object(
  {
    /**
     * `cost` (the default: the ranking as is), `latency` (lowest observed p95), `least_busy` (fewest in flight),
     * `weighted` (routes' `weight`).
     */
    strategy: Type.Optional(
      Type.Union([Type.Literal('cost'), Type.Literal('latency'), Type.Literal('least_busy'), Type.Literal('weighted')]),
    ),
    /** Routes whose expected cost is within this percentage of the cheapest of them are equals (default 5). */
    tie_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    /** Requests with any of these tags never fall back to another model family. */
    same_family_only_tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);

/** Model → the models to serve it with, in order, when none of its own routes can (LiteLLM's `fallbacks`). */
export const FallbacksSchema = Type.Record(
  Type.String({ minLength: 1 }),
  Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
);

/** The parts of the config file the planner reads; the full file (`src/config/config-schema.ts`) adds the rest. */
export const RoutingFileSchema = Type.Object({
  sensitivity: Type.Optional(SensitivitySchema),
  residency: Type.Optional(ResidencySchema),
  planner: Type.Optional(PlannerSchema),
  routing: Type.Optional(RoutingStrategySchema),
  fallbacks: Type.Optional(FallbacksSchema),
  routes: Type.Array(RouteSchema, { minItems: 1 }),
  tenants: Type.Array(TenantSchema, { minItems: 1 }),
});
export type RoutingFile = Static<typeof RoutingFileSchema>;
