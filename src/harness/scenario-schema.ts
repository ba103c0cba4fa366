import { Type, type Static } from '@sinclair/typebox';

/**
 * A scenario file (`scenarios/*.scenario.yaml`): a traffic mix, the volumes to replay it at, and the
 * options to compare, each a Switchyard config plus its fixed and capacity-stepped costs.
 */

const Share = Type.Number({ minimum: 0 });
const Usd = Type.Number({ minimum: 0 });
/**
 * A number nobody knows exactly: `[low, high]`. The base run uses the middle; the report shows what the range moves.
 */
const Range = (item: ReturnType<typeof Type.Number>) => Type.Tuple([item, item]);
const UsdOrRange = Type.Union([Usd, Range(Usd)]);

/** Tokens per request: lognormal with this mean, or exactly `mean` when `sigma` is 0. */
export const TokenDistributionSchema = Type.Object(
  { mean: Type.Number({ minimum: 1 }), sigma: Type.Optional(Type.Number({ minimum: 0, maximum: 3 })) },
  { additionalProperties: false },
);
export type TokenDistribution = Static<typeof TokenDistributionSchema>;

export const VolumeSchema = Type.Object(
  {
    /** Explicit tokens-per-day points... */
    tokens_per_day: Type.Optional(Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 1 })),
    /** ...or a sweep. */
    from: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    to: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    points: Type.Optional(Type.Integer({ minimum: 2, maximum: 200 })),
    scale: Type.Optional(Type.Union([Type.Literal('log'), Type.Literal('linear')])),
  },
  { additionalProperties: false },
);

export const TrafficSchema = Type.Object(
  {
    /** Public model name → share of requests. */
    models: Type.Record(Type.String({ minLength: 1 }), Share),
    input_tokens: TokenDistributionSchema,
    output_tokens: TokenDistributionSchema,
    /** Shares of requests carrying these tags; the rest carry none. */
    tags: Type.Optional(
      Type.Array(
        Type.Object(
          {
            tags: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
            share: Share,
            /**
             * Of these requests, the share whose tags come only from what the detector finds of kinds redaction masks
             * (a name and an SSN in a support ticket): an option whose tenant redacts plans them at what remains
             * (untagged), one whose tenant does not keeps their tags.
             */
            redactable_share: Type.Optional(Share),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    /** Tenant id → share of requests (default: one tenant, `scenario`). */
    tenants: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Share)),
    /** 24 weights, hour 0 UTC first (default: flat). The peak hour sizes capacity. */
    hourly: Type.Optional(Type.Array(Share, { minItems: 24, maxItems: 24 })),
    stream_share: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /**
     * The share of requests that repeat an earlier one and would be answered by the response cache (evaluation
     * reruns, retries, agents asking again). In an option whose config has `cache:` they cost nothing and load no
     * capacity, except those the cache may never keep: a request at the top level, unless `restricted:
     * onprem_memory` and an on-prem route served it. `scenario from-log` measures it from the log.
     */
    cache_hit_share: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    slo_ms: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Token distributions of particular models, where they differ from the mix's (`scenario from-log` fits them). */
    tokens_by_model: Type.Optional(
      Type.Record(
        Type.String({ minLength: 1 }),
        Type.Object(
          { input_tokens: TokenDistributionSchema, output_tokens: TokenDistributionSchema },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);
export type Traffic = Static<typeof TrafficSchema>;

/** Recorded traffic instead of a profile: the requests a gateway logged, replayed scaled to each volume. */
export const LoggedTrafficSchema = Type.Object(
  {
    /** A decision-log directory (Parquet segments), relative to the scenario file. */
    from_log: Type.String({ minLength: 1 }),
    /** How far back: `7d`, `12h`, or an ISO date (default: all of it). */
    since: Type.Optional(Type.String({ minLength: 1 })),
    slo_ms: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** Capacity bought in steps: one unit per `per_unit` of peak load, at a price per day or per hour. */
export const CapacitySchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    metric: Type.Union([Type.Literal('requests_per_second'), Type.Literal('tokens_per_second')]),
    /**
     * Load one unit carries; a range for a GPU's tokens per second under the SLO, which nobody knows exactly; or
     * `measured`: the tokens per second the route delivered within the SLO in the `--live` run.
     */
    per_unit: Type.Union([
      Type.Number({ exclusiveMinimum: 0 }),
      Range(Type.Number({ exclusiveMinimum: 0 })),
      Type.Literal('measured'),
    ]),
    /** Only the traffic this route carries counts (e.g. the GPU server's tokens); all traffic when absent. */
    route: Type.Optional(Type.String({ minLength: 1 })),
    unit_per_day_usd: Type.Optional(UsdOrRange),
    unit_per_hour_usd: Type.Optional(UsdOrRange),
    /**
     * The most units there are (a rack's GPUs, a quota): a volume needing more is warned about, priced as if bought.
     */
    max_units: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type CapacityInput = Static<typeof CapacitySchema>;
/** A capacity step with its numbers settled (a range's middle, or one end when the report sweeps it). */
export type Capacity = Omit<CapacityInput, 'per_unit' | 'unit_per_day_usd' | 'unit_per_hour_usd'> & {
  per_unit: number;
  unit_per_day_usd?: number;
  unit_per_hour_usd?: number;
  /** `per_unit` came from the live run's measurement. */
  measured?: boolean;
};

export const OptionSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    label: Type.Optional(Type.String()),
    /** A config file (relative to the scenario) or the config inline; tenants default to the traffic's. */
    config: Type.Union([Type.String({ minLength: 1 }), Type.Record(Type.String(), Type.Unknown())]),
    /** Named fixed costs per day: infra, ops time, … */
    fixed_per_day_usd: Type.Optional(Type.Record(Type.String({ minLength: 1 }), UsdOrRange)),
    /** The fee of the option's aggregator routes, when it is uncertain: `[4, 7]` (replaces the config's). */
    fee_percent: Type.Optional(Range(Type.Number({ minimum: 0, maximum: 100 }))),
    capacity: Type.Optional(Type.Array(CapacitySchema)),
  },
  { additionalProperties: false },
);
export type ScenarioOption = Static<typeof OptionSchema>;

export const PublishedSchema = Type.Object(
  {
    source: Type.String({ minLength: 1 }),
    /** Daily costs the source states, to show beside the replayed ones. */
    figures: Type.Array(
      Type.Object(
        { option: Type.String(), tokens_per_day: Type.Number(), usd_per_day: Usd },
        { additionalProperties: false },
      ),
    ),
    /** A crossover the source claims, to check against what its own inputs imply. */
    crossover_claim: Type.Optional(
      Type.Object({ text: Type.String(), tokens_per_day: Type.Number() }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

const LatencyRange = Type.Object(
  { min_ms: Type.Number({ minimum: 0 }), max_ms: Type.Number({ minimum: 0 }) },
  { additionalProperties: false },
);

/** `--live`: mock upstreams with each route kind's added latency, a real gateway, the scenario's requests. */
export const LiveSchema = Type.Object(
  {
    latency: Type.Object(
      {
        aggregator: Type.Optional(LatencyRange),
        direct: Type.Optional(LatencyRange),
        onprem: Type.Optional(LatencyRange),
      },
      { additionalProperties: false },
    ),
    /** Requests sent through each option's gateway (default 400). */
    requests: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** Requests in flight at once (default 16). */
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
  },
  { additionalProperties: false },
);
export type LiveConfig = Static<typeof LiveSchema>;

/**
 * A route down for a while: its circuit is open from `from_hour` (counted from the replay's first midnight) for
 * `hours`.
 */
export const OutageSchema = Type.Object(
  {
    route: Type.String({ minLength: 1 }),
    from_hour: Type.Integer({ minimum: 0 }),
    hours: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type Outage = Static<typeof OutageSchema>;

export const ScenarioSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    seed: Type.Optional(Type.Integer()),
    /** Days of traffic replayed at each volume (default 1). */
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
    volume: VolumeSchema,
    traffic: Type.Union([TrafficSchema, LoggedTrafficSchema]),
    options: Type.Array(OptionSchema, { minItems: 1 }),
    /** Routes down during the replay (in every option that has them): what failing over costs, and what is denied. */
    outages: Type.Optional(Type.Array(OutageSchema)),
    /** How many seeded draws of every range at once give the crossover's interval (default 16). */
    uncertainty: Type.Optional(
      Type.Object(
        { samples: Type.Optional(Type.Integer({ minimum: 2, maximum: 500 })) },
        { additionalProperties: false },
      ),
    ),
    published: Type.Optional(PublishedSchema),
    live: Type.Optional(LiveSchema),
  },
  { additionalProperties: false },
);
export type ScenarioFile = Static<typeof ScenarioSchema>;
