import type { Traffic, TokenDistribution } from './scenario-schema.js';
import { cumulative, SeededRandom } from './seeded-random.js';

/** The traffic mix, resolved once per scenario into what the generator draws from. */
export interface TrafficShape {
  readonly models: readonly string[];
  readonly modelCum: Float64Array;
  readonly tenants: readonly string[];
  readonly tenantCum: Float64Array;
  /** Index 0 is the untagged set. */
  readonly tagsets: readonly (readonly string[])[];
  /** Per tagset: its tags come only from kinds redaction masks: a tenant that redacts plans it untagged. */
  readonly redactable: readonly boolean[];
  readonly tagCum: Float64Array;
  readonly hourCum: Float64Array;
  readonly input: TokenDistribution;
  readonly output: TokenDistribution;
  /** Per model index, its own token distributions when the profile gives them. */
  readonly tokensByModel: readonly ({ input: TokenDistribution; output: TokenDistribution } | undefined)[];
  readonly streamShare: number;
  /** The share of requests a response cache would answer (`traffic.cache_hit_share`). */
  readonly cacheHitShare: number;
  readonly sloMs?: number;
  /** Recorded requests to draw from (`traffic.from_log`) instead of the profile's distributions. */
  readonly recorded?: RecordedRequests;
}

/** Requests a gateway logged, column by column, indices into the shape's models, tenants and tag sets. */
export interface RecordedRequests {
  readonly count: number;
  readonly model: Uint8Array;
  readonly tenant: Uint8Array;
  readonly tagset: Uint8Array;
  readonly hour: Uint8Array;
  readonly stream: Uint8Array;
  readonly input: Uint32Array;
  readonly output: Uint32Array;
  /** 1: the gateway answered it from its response cache. */
  readonly cached: Uint8Array;
}

/** One volume point's requests, column by column. */
export interface TrafficBatch {
  readonly count: number;
  readonly model: Uint8Array;
  readonly tenant: Uint8Array;
  readonly tagset: Uint8Array;
  readonly day: Uint16Array;
  readonly hour: Uint8Array;
  readonly minuteMs: Uint32Array;
  readonly stream: Uint8Array;
  readonly input: Uint32Array;
  readonly output: Uint32Array;
  /** 1: a repeat a response cache would answer (drawn from the share, or as the log recorded it). */
  readonly cached: Uint8Array;
}

export function shapeOf(traffic: Traffic, recorded?: RecordedRequests): TrafficShape {
  const tenants = traffic.tenants ?? { scenario: 1 };
  const tagged = traffic.tags ?? [];
  const untagged = Math.max(0, 1 - tagged.reduce((s, t) => s + t.share, 0));
  return {
    models: Object.keys(traffic.models),
    modelCum: cumulative(Object.values(traffic.models)),
    tenants: Object.keys(tenants),
    tenantCum: cumulative(Object.values(tenants)),
    // An entry with a redactable share becomes two sets of the same tags: the share redaction may relax, the rest.
    tagsets: [
      [],
      ...tagged.flatMap((t) => (t.redactable_share ? [[...t.tags].sort(), [...t.tags].sort()] : [[...t.tags].sort()])),
    ],
    redactable: [false, ...tagged.flatMap((t) => (t.redactable_share ? [false, true] : [false]))],
    tagCum: cumulative([
      untagged,
      ...tagged.flatMap((t) =>
        t.redactable_share ? [t.share * (1 - t.redactable_share), t.share * t.redactable_share] : [t.share],
      ),
    ]),
    hourCum: cumulative(traffic.hourly ?? Array.from({ length: 24 }, () => 1)),
    input: traffic.input_tokens,
    output: traffic.output_tokens,
    tokensByModel: Object.keys(traffic.models).map((m) => {
      const own = traffic.tokens_by_model?.[m];
      return own && { input: own.input_tokens, output: own.output_tokens };
    }),
    streamShare: traffic.stream_share ?? 0,
    cacheHitShare: traffic.cache_hit_share ?? 0,
    ...(traffic.slo_ms === undefined ? {} : { sloMs: traffic.slo_ms }),
    ...(recorded ? { recorded } : {}),
  };
}

/** Requests per day that carry `tokensPerDay` on average. */
export function requestsPerDay(shape: TrafficShape, tokensPerDay: number): number {
  return Math.max(1, Math.round(tokensPerDay / (shape.input.mean + shape.output.mean)));
}

function draw(rng: SeededRandom, d: TokenDistribution): number {
  const sigma = d.sigma ?? 0;
  if (sigma === 0) return Math.max(1, Math.round(d.mean));
  // Lognormal with the given mean: mu = ln(mean) − sigma² / 2.
  const mu = Math.log(d.mean) - (sigma * sigma) / 2;
  return Math.max(1, Math.round(Math.exp(mu + sigma * rng.normal())));
}

/**
 * A uniform draw in [0, 1) from a request's place alone, not from the generator's stream: whether a request repeats
 * changes no other draw, so a scenario with a cache replays the very requests it replays without one.
 */
function placeDraw(i: number, seed: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ seed;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
}

/**
 * The requests of `days` days at `tokensPerDay`, drawn from the seed and the volume alone: the same inputs
 * give the same requests, and every option of a scenario is replayed on the very same requests.
 */
export function generateTraffic(shape: TrafficShape, tokensPerDay: number, days: number, seed: number): TrafficBatch {
  const perDay = requestsPerDay(shape, tokensPerDay);
  const count = perDay * days;
  const rng = new SeededRandom(seed, Math.round(tokensPerDay), days);
  const batch: TrafficBatch = {
    count,
    model: new Uint8Array(count),
    tenant: new Uint8Array(count),
    tagset: new Uint8Array(count),
    day: new Uint16Array(count),
    hour: new Uint8Array(count),
    minuteMs: new Uint32Array(count),
    stream: new Uint8Array(count),
    input: new Uint32Array(count),
    output: new Uint32Array(count),
    cached: new Uint8Array(count),
  };
  const recorded = shape.recorded;
  for (let i = 0; i < count; i++) {
    batch.day[i] = Math.floor(i / perDay);
    if (recorded) {
      // A recorded request, drawn with replacement: its model, tenant, tags, hour, stream and token counts as logged.
      const r = Math.floor(rng.next() * recorded.count);
      batch.model[i] = recorded.model[r] as number;
      batch.tenant[i] = recorded.tenant[r] as number;
      batch.tagset[i] = recorded.tagset[r] as number;
      batch.hour[i] = recorded.hour[r] as number;
      batch.minuteMs[i] = Math.floor(rng.next() * 3_600_000);
      batch.stream[i] = recorded.stream[r] as number;
      batch.input[i] = recorded.input[r] as number;
      batch.output[i] = recorded.output[r] as number;
      batch.cached[i] = recorded.cached[r] as number;
      continue;
    }
    batch.model[i] = rng.pick(shape.modelCum);
    batch.tenant[i] = rng.pick(shape.tenantCum);
    batch.tagset[i] = rng.pick(shape.tagCum);
    batch.hour[i] = rng.pick(shape.hourCum);
    batch.minuteMs[i] = Math.floor(rng.next() * 3_600_000);
    batch.stream[i] = rng.next() < shape.streamShare ? 1 : 0;
    const own = shape.tokensByModel[batch.model[i] as number];
    batch.input[i] = draw(rng, own?.input ?? shape.input);
    batch.output[i] = draw(rng, own?.output ?? shape.output);
    if (shape.cacheHitShare > 0) batch.cached[i] = placeDraw(i, seed) < shape.cacheHitShare ? 1 : 0;
  }
  return batch;
}
