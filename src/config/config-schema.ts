import { Type, type Static } from '@sinclair/typebox';
import { PROVIDER_IDS } from './provider-presets.js';
import {
  FallbacksSchema,
  PlannerSchema,
  ResidencySchema,
  RouteSchema,
  RoutingStrategySchema,
  SensitivitySchema,
  TenantSchema,
} from '../engine/config-schema.js';

/**
 * The whole config file (`switchyard.yaml`): the planner's part (`src/engine/config-schema.ts`) plus how the
 * gateway reaches each route, serves and logs. The loader fills the declared defaults, then checks the file.
 */

export const TimeoutsSchema = Type.Object(
  {
    connect_ms: Type.Integer({ minimum: 1, default: 5_000 }),
    first_byte_ms: Type.Integer({ minimum: 1, default: 60_000 }),
    idle_ms: Type.Integer({ minimum: 1, default: 30_000 }),
    /** The whole attempt — connect, first byte and the entire answer or stream — however it trickles. */
    total_ms: Type.Integer({ minimum: 1, default: 600_000 }),
  },
  { additionalProperties: false, default: {} },
);
export type Timeouts = Static<typeof TimeoutsSchema>;

/** How to reach a route: where, with which key, and how long to wait. */
export const RouteTransportSchema = Type.Object({
  /**
   * A provider preset (`src/config/provider-presets.ts`): stands for `base_url`, `format`, `kind` and the usual key
   * variable.
   */
  provider: Type.Optional(Type.Union(PROVIDER_IDS.map((id) => Type.Literal(id)))),
  base_url: Type.String({ pattern: '^https?://[^\\s]+$', description: 'an http(s) URL without spaces' }),
  api_key: Type.Optional(Type.String()),
  /**
   * Azure OpenAI (`format: azure-openai`): the API version of a deployment URL
   * (`/openai/deployments/{deployment}/…?api-version=…`, the deployment being the route's upstream model name).
   * Without it, the v1 endpoint (`/openai/v1/…`, the model in the body).
   */
  api_version: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$' })),
  /**
   * How the route proves who calls it, when not with `api_key`: `aws` signs each request with SigV4 from the
   * environment's AWS credentials (Bedrock's default), `google` sends an OAuth token from the environment's Google
   * credentials (Vertex's default), `entra` a Microsoft Entra ID token (Azure OpenAI).
   */
  auth: Type.Optional(
    Type.Union([Type.Literal('api_key'), Type.Literal('aws'), Type.Literal('google'), Type.Literal('entra')]),
  ),
  /** Vertex AI (`format: vertex`): the Google Cloud project; the location is the route's `region`. */
  project: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{4,61}[a-z0-9]$' })),
  timeouts: TimeoutsSchema,
  /**
   * Tries again on this route before the next one, after a 429, a 5xx, a 408 or a connection that failed:
   * waiting `backoff_ms` doubled each time (up to `max_backoff_ms`, with jitter), or what `retry-after` says,
   * as long as that fits in the route's `total_ms`.
   */
  retries: Type.Optional(
    Type.Object(
      {
        max: Type.Integer({ minimum: 0, maximum: 10 }),
        backoff_ms: Type.Integer({ minimum: 1, default: 200 }),
        max_backoff_ms: Type.Integer({ minimum: 1, default: 5000 }),
      },
      { additionalProperties: false },
    ),
  ),
  /** The upstream account's own limits: at either, the route is skipped (`rate_limit`) for the rest of the minute. */
  limits: Type.Optional(
    Type.Object(
      { rpm: Type.Optional(Type.Integer({ minimum: 1 })), tpm: Type.Optional(Type.Integer({ minimum: 1 })) },
      { additionalProperties: false },
    ),
  ),
});

export const GatewayRouteSchema = Type.Composite([RouteSchema, RouteTransportSchema], { additionalProperties: false });
export type GatewayRoute = Static<typeof GatewayRouteSchema>;

export const ServerSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1 })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    admin_key: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * Several admin keys, each with a name (the actor in the audit trail) and a role: `admin` reads and writes,
     * `viewer` only reads. `admin_key` stays valid beside them, as an admin named `admin`.
     */
    admin_keys: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            key: Type.String({ minLength: 16 }),
            role: Type.Union([Type.Literal('admin'), Type.Literal('viewer')]),
          },
          { additionalProperties: false },
        ),
        { minItems: 1 },
      ),
    ),
    body_limit_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    /** The longest a caller may take to send a whole request, headers and body (408 beyond). */
    request_timeout_ms: Type.Optional(Type.Integer({ minimum: 1 })),
    /** The largest non-streamed answer read from an upstream (the attempt fails, 502, beyond). */
    max_upstream_body_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    /**
     * How far V8 lets the old heap grow past what the last full collection kept, in percent (default 100: twice the
     * live heap); 0 leaves it to V8, which under load lets it grow to about four times before collecting.
     */
    heap_growing_percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    /** When set, `GET /metrics` needs `Authorization: Bearer <metrics_key>` (it shows tenants and their spend). */
    metrics_key: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type ServerSettings = Static<typeof ServerSchema>;

/** The decision log: Parquet segments in `dir` (relative to the config file), one every `roll_seconds`. */
export const LogSchema = Type.Object(
  {
    dir: Type.Optional(Type.String({ minLength: 1 })),
    roll_seconds: Type.Optional(Type.Integer({ minimum: 1 })),
    /**
     * The DuckDB of the log's job processes, which otherwise sizes itself to the machine (80 % of RAM, a thread
     * per core): a job turns a minute's lines into a Parquet segment, so a little of each is enough (defaults:
     * 128MB, 1 thread).
     */
    duckdb_memory_limit: Type.Optional(Type.String({ pattern: '^\\d+(\\.\\d+)?\\s*(KB|MB|GB|KiB|MiB|GiB)$' })),
    duckdb_threads: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    /**
     * One line per request on stdout (default true). The decision log holds every request either way; `false`
     * moves the line to the debug level, worth ≈11 % of JSON throughput under load.
     */
    request_lines: Type.Optional(Type.Boolean()),
    /**
     * When this many recorded rows are not yet on disk (a stalled disk), new proxy
     * requests are refused with 503 `log_backlog` rather than served unrecorded (default 100000).
     */
    max_backlog_rows: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** Shared state for several gateway instances: without it, everything stays in this process. */
export const StateSchema = Type.Object(
  {
    /** `redis://[user:password@]host:port[/db]`; use `${REDIS_URL}` to keep a password out of the file. */
    redis_url: Type.String({ pattern: '^rediss?://[^\\s]+$' }),
    /** Keys start with this, so several deployments (or test suites) share one Redis without meeting. */
    key_prefix: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9:_.-]+$' })),
    /**
     * A reservation (or a place in flight) lives this much longer than the slowest route's `total_ms`, then
     * Redis gives it back by itself: what a crashed instance held is free again after that.
     */
    reservation_margin_ms: Type.Optional(Type.Integer({ minimum: 100 })),
  },
  { additionalProperties: false },
);

/**
 * The response cache (off unless set): where answers are kept, for how long, how large. A tenant may turn it off or
 * change its TTL (`tenants[].cache`); a request may with `cache-control`. Restricted traffic never uses a shared store.
 */
export const CacheSchema = Type.Object(
  {
    /** `memory`: this instance's; `redis`: shared through `state.redis_url`. */
    store: Type.Union([Type.Literal('memory'), Type.Literal('redis')]),
    ttl_seconds: Type.Integer({ minimum: 1, maximum: 30 * 86_400, default: 3600 }),
    /** An answer larger than this (its JSON) is not kept. */
    max_entry_bytes: Type.Integer({ minimum: 1, default: 256 * 1024 }),
    /** The most answers the memory store keeps; the least recently used go first. */
    max_entries: Type.Integer({ minimum: 1, default: 10_000 }),
    /**
     * A request at the top level is never cached (`never`, the default); `onprem_memory`: it may use this instance's
     * memory when an on-prem route served it, never Redis.
     */
    restricted: Type.Optional(Type.Union([Type.Literal('never'), Type.Literal('onprem_memory')])),
  },
  { additionalProperties: false },
);
export type CacheConfig = Static<typeof CacheSchema>;

/** OpenTelemetry: a span per request to an OTLP/HTTP collector (`{otlp_endpoint}/v1/traces`). */
export const TelemetrySchema = Type.Object(
  {
    otlp_endpoint: Type.String({ pattern: '^https?://[^\\s]+$' }),
    service_name: Type.Optional(Type.String({ minLength: 1 })),
    /** Sent with every export, e.g. a collector's auth header (use `${ENV}`). */
    headers: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
  },
  { additionalProperties: false },
);

/** Keys (and, later, tenants) managed through the admin API: a Postgres server, or PGlite embedded in a folder. */
export const StoreSchema = Type.Union([
  Type.Object({ url: Type.String({ pattern: '^postgres(ql)?://' }) }, { additionalProperties: false }),
  Type.Object({ path: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
]);

export const ConfigSchema = Type.Object(
  {
    server: Type.Optional(ServerSchema),
    store: Type.Optional(StoreSchema),
    state: Type.Optional(StateSchema),
    cache: Type.Optional(CacheSchema),
    telemetry: Type.Optional(TelemetrySchema),
    sensitivity: Type.Optional(SensitivitySchema),
    /** Tag → regions its data may be processed in. */
    residency: Type.Optional(ResidencySchema),
    /** LiteLLM-format catalogue files, paths relative to this file; later ones override earlier and the built-in. */
    catalogues: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** `*.rules.json` files, paths relative to this file. */
    policies: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    planner: Type.Optional(PlannerSchema),
    routing: Type.Optional(RoutingStrategySchema),
    fallbacks: Type.Optional(FallbacksSchema),
    log: Type.Optional(LogSchema),
    routes: Type.Array(GatewayRouteSchema, { minItems: 1 }),
    tenants: Type.Array(TenantSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof ConfigSchema>;
