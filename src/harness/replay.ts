import { planRoute, type RouteStats } from '../engine/planner.js';
import type { Candidate } from '../engine/decision.js';
import { NO_SPEND, type RequestFacts } from '../engine/request-facts.js';
import { cacheScope } from '../engine/cache-scope.js';
import { costOfUsage } from '../engine/prices.js';
import type { TrafficBatch, TrafficShape } from './generate-traffic.js';
import type { PreparedOption } from './prepared-option.js';
import type { Outage } from './scenario-schema.js';
import { CHUNK_ROWS, newRequestColumns, type ScenarioDb } from './scenario-db.js';

/** Replayed traffic starts on this day (a Monday), so time-of-day rules see realistic hours. */
export const REPLAY_EPOCH_MS = Date.parse('2026-01-05T00:00:00Z');
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface ReplayCounts {
  readonly requests: number;
  readonly denied: number;
  /** The requests replayed while an outage was on, and what they would have cost with every route up. */
  readonly outage: OutageImpact;
}

/** What an option's requests during the outage windows cost, against the same requests with every route up. */
export interface OutageImpact {
  requests: number;
  denied: number;
  deniedIfUp: number;
  costPico: number;
  costIfUpPico: number;
}

/**
 * `openai/gpt-5` is `gpt-5`, `anthropic/claude-sonnet-4.6` is `claude-sonnet-4-6`, `meta-llama/Llama-3.3-70B-Instruct`
 * is `llama-3.3-70b`: a route's name for the same model (provider prefix, case, separators, an `-instruct`, `-chat`,
 * `-latest` or date suffix aside). `Qwen/Qwen3-32B` for `gpt-5-mini` is another model.
 */
const modelKey = (name: string) =>
  name
    .slice(name.lastIndexOf('/') + 1)
    .toLowerCase()
    .replace(/[._:]/g, '-')
    .replace(/-(instruct|chat|latest|\d{4}-\d{2}-\d{2}|\d{8})$/g, '');
const sameModels = new Map<string, boolean>();
/** Memoised: the replay asks it for every request, of a handful of (model, upstream) pairs. */
function sameModel(publicName: string, upstream: string): boolean {
  const key = `${publicName}\u0000${upstream}`;
  let same = sameModels.get(key);
  if (same === undefined) sameModels.set(key, (same = modelKey(publicName) === modelKey(upstream)));
  return same;
}
/**
 * What really served a request: the public model, or the route's own model when it is another one (a self-hosted
 * stand-in).
 */
const servedName = (c: { model: string; upstreamModel: string }) =>
  sameModel(c.model, c.upstreamModel) ? c.model : c.upstreamModel;

/** What every replay of one scenario shares: its traffic, days and seed, its outages, its model ids. */
export interface ReplayContext {
  readonly shape: TrafficShape;
  readonly days: number;
  readonly seed: number;
  /** The routes down in each hour of the replay (`outageStats`). */
  readonly downByHour: readonly (RouteStats | undefined)[];
  /** The id of a model name in the `models` table (served models beyond the traffic's get new ones). */
  readonly modelId: (model: string) => number;
}

/** The routes down in each hour of the replay (hour 0: the first midnight), as the planner's route stats. */
const NO_TAGS: readonly string[] = Object.freeze([]);

export function outageStats(outages: readonly Outage[], days: number): (RouteStats | undefined)[] {
  return Array.from({ length: days * 24 }, (_, hour) => {
    const down = outages.filter((o) => hour >= o.from_hour && hour < o.from_hour + o.hours);
    return down.length === 0 ? undefined : new Map(down.map((o) => [o.route, { circuit: 'open' as const }]));
  });
}

/**
 * Sends every request of a batch through the planner with one option's config — the planner and cost
 * function the gateway uses — and appends one row per request to the scenario database, a data chunk at a
 * time. The request served by the decision's first route costs its tokens at that route's price.
 */
export function replayBatch(
  batch: TrafficBatch,
  option: PreparedOption,
  optionId: number,
  point: number,
  routeIds: ReadonlyMap<string, number>,
  db: ScenarioDb,
  { shape, downByHour = [], modelId = () => 0 }: Pick<ReplayContext, 'shape'> & Partial<ReplayContext>,
): ReplayCounts {
  const top = option.routing.sensitivity.levels.length - 1;
  const sensitiveTagset = shape.tagsets.map((tags) => option.routing.sensitivity.rankOfTags(tags) === top);
  const topLevel = option.routing.sensitivity.levels[top];
  // A redactable request of a tenant that redacts is planned at what remains once its values are masked: untagged.
  const relaxed = (tagset: number, tenant: string) =>
    shape.redactable[tagset] === true && option.routing.tenants.get(tenant)?.redaction !== undefined;
  // A repeat is answered from the cache where the option's gateway would have kept the first answer.
  const cache = option.file.cache;
  const answeredFromCache = (i: number, tenant: string, atTopLevel: boolean, servedBy: Candidate['kind']) =>
    cache !== undefined &&
    batch.cached[i] === 1 &&
    option.routing.tenants.get(tenant)?.cache?.enabled !== false &&
    cacheScope(cache.restricted, atTopLevel, servedBy) !== undefined;
  const col = newRequestColumns();
  // One request object, refilled for every request: the planner keeps nothing of it.
  const req: { -readonly [K in keyof RequestFacts]: RequestFacts[K] } = {
    tenant: '',
    model: '',
    endpoint: 'chat',
    tags: [],
    inputTokens: 0,
    stream: false,
    nowMs: 0,
    spend: NO_SPEND,
  };
  if (shape.sloMs !== undefined) req.sloMs = shape.sloMs;
  let denied = 0;
  let filled = 0;
  const outage: OutageImpact = { requests: 0, denied: 0, deniedIfUp: 0, costPico: 0, costIfUpPico: 0 };
  const flushChunk = () => {
    db.appendColumns(col, filled);
    filled = 0;
  };
  for (let i = 0; i < batch.count; i++) {
    const day = batch.day[i] as number;
    const hour = batch.hour[i] as number;
    const input = batch.input[i] as number;
    const output = batch.output[i] as number;
    const tagset = batch.tagset[i] as number;
    req.tenant = shape.tenants[batch.tenant[i] as number] as string;
    req.model = shape.models[batch.model[i] as number] as string;
    const redacted = relaxed(tagset, req.tenant);
    req.tags = redacted ? NO_TAGS : (shape.tagsets[tagset] as readonly string[]);
    req.inputTokens = input;
    req.stream = batch.stream[i] === 1;
    req.nowMs = REPLAY_EPOCH_MS + day * DAY_MS + hour * HOUR_MS + (batch.minuteMs[i] as number);
    // A weighted choice among equal routes draws from the request's place in the replay: the same every run.
    req.seed = (Math.imul(i, 0x9e3779b1) ^ point) >>> 0;
    const down = downByHour[day * 24 + hour];
    const decision = planRoute(req, option.routing, down);
    const served = decision.candidates[0];
    const planned = served ? costOfUsage({ input, output }, served.price) : 0;
    const hit =
      served !== undefined && answeredFromCache(i, req.tenant, decision.sensitivity === topLevel, served.kind);
    const cost = hit ? 0 : planned;
    if (!served) denied++;
    if (down) {
      const ifUp = planRoute(req, option.routing).candidates[0];
      outage.requests++;
      outage.denied += served ? 0 : 1;
      outage.deniedIfUp += ifUp ? 0 : 1;
      // Against the same requests with every route up, both without the cache's answers.
      outage.costPico += planned;
      outage.costIfUpPico += ifUp ? costOfUsage({ input, output }, ifUp.price) : 0;
    }
    col.option[filled] = optionId;
    col.point[filled] = point;
    col.day[filled] = day;
    col.hour[filled] = hour;
    col.model[filled] = batch.model[i] as number;
    col.tenant[filled] = batch.tenant[i] as number;
    col.tagset[filled] = tagset;
    col.route[filled] = served ? (routeIds.get(served.route) as number) : null;
    col.sensitive[filled] = !redacted && (sensitiveTagset[tagset] as boolean);
    col.input[filled] = input;
    col.output[filled] = output;
    col.cost[filled] = cost;
    col.served[filled] = served
      ? served.model === req.model && sameModel(served.model, served.upstreamModel)
        ? (batch.model[i] as number)
        : modelId(servedName(served))
      : null;
    col.denial[filled] = served ? null : (decision.denial?.code ?? 'no_route');
    col.saved[filled] = hit ? planned : null;
    if (++filled === CHUNK_ROWS) flushChunk();
  }
  if (filled > 0) flushChunk();
  return { requests: batch.count, denied, outage };
}
