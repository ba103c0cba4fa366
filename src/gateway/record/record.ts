import type { FastifyBaseLogger } from 'fastify';
import type { LogRow } from '../../duckdb/log-row.js';
import type { Decision } from '../../engine/decision.js';
import type { RequestFacts } from '../../engine/request-facts.js';
import type { GatewayError } from '../errors.js';
import type { Delivery, Hold } from '../outcome.js';
import type { Attempt } from '../relay/exchange.js';
import type { Clock } from '../state/clock.js';
import type { RateLimiter } from '../state/rate-limiter.js';
import type { SpendLedger } from '../state/spend-ledger.js';
import type { DecisionSink } from './decision-sink.js';
import type { GatewayMetrics } from './metrics.js';
import type { BudgetAlerts } from './budget-alerts.js';
import type { LiveWindow } from './live-window.js';
import type { RequestTracer } from './request-tracer.js';
import { writeRequestLine } from './request-line.js';

export interface RecordDeps {
  readonly ledger: SpendLedger;
  readonly limiter: RateLimiter;
  readonly sink: DecisionSink;
  readonly metrics: GatewayMetrics;
  readonly clock: Clock;
  /** Exports a span per request when `telemetry` is configured. */
  readonly tracer?: RequestTracer;
  /** Whether each request gets its line on stdout at info level (`log.request_lines`), else at debug. */
  readonly requestLines?: () => boolean;
  /** Budget alerts: told of each settlement. */
  readonly alerts?: Pick<BudgetAlerts, 'afterSettle'>;
  /** The dashboard's last minute. */
  readonly live?: LiveWindow;
}

/** One request from arrival to what the caller got. */
export interface RequestRecord {
  readonly requestId: string;
  /** The caller's own `x-request-id`, when it sent one. */
  readonly callerRequestId: string | undefined;
  /** The store's virtual key the request came with; undefined for a config tenant key. */
  readonly keyId: string | undefined;
  readonly startedMs: number;
  readonly facts: RequestFacts;
  readonly decision: Decision;
  /** What the request held (its reservation, its place in flight): given back here. */
  readonly hold: Hold;
  readonly attempts: readonly Attempt[];
  readonly delivery: Delivery;
  readonly log: FastifyBaseLogger;
  /** How many values redaction masked, and of which kinds (never the values). */
  readonly redacted?: { readonly count: number; readonly kinds: readonly string[] };
  /** What the response cache did, and what a hit saved (the kept answer's cost when it was made). */
  readonly cache?: { readonly status: 'hit' | 'miss' | 'bypass'; readonly savedPico: bigint };
}

const errorCodeOf = (delivery: Delivery) =>
  delivery.error?.code ?? (delivery.status === 499 ? 'client_closed' : undefined);

function logRow(r: RequestRecord, latencyMs: number): LogRow {
  const { facts, decision, delivery } = r;
  const served = delivery.served;
  const usage = delivery.metered?.usage;
  const row: { -readonly [K in keyof LogRow]: LogRow[K] } = {
    ts: r.startedMs,
    requestId: r.requestId,
    tenant: facts.tenant,
    endpoint: facts.endpoint,
    requestedModel: facts.model,
    // The model that served: a fallback's when the requested one could not.
    model: served?.model ?? decision.model,
    tags: decision.tags,
    sensitivity: decision.sensitivity,
    rules: decision.rulesFired,
    stream: facts.stream,
    status: delivery.status,
    attempts: r.attempts,
    latencyMs,
    inputTokens: usage?.input ?? 0,
    outputTokens: usage?.output ?? 0,
    cachedTokens: usage?.cachedInput ?? 0,
    reasoningTokens: usage?.reasoning ?? 0,
    costPico: delivery.metered?.costPico ?? 0n,
    estimated: usage?.estimated ?? false,
  };
  // The optional fields set one by one: a spread of `cond ? {} : {…}` per field made an object each, per request.
  if (r.callerRequestId !== undefined) row.callerRequestId = r.callerRequestId;
  if (r.keyId !== undefined) row.keyId = r.keyId;
  if (served) {
    row.upstreamModel = served.upstreamModel;
    row.route = served.route;
    row.routeKind = served.kind;
    row.expectedCostUsd = served.expectedCostPico / 1e12;
  }
  if (decision.residency) row.residency = decision.residency;
  const errorCode = errorCodeOf(delivery);
  if (errorCode !== undefined) row.errorCode = errorCode;
  if (delivery.ttftMs !== undefined) row.ttftMs = delivery.ttftMs;
  if (delivery.metered?.problem !== undefined) row.rowProblem = delivery.metered.problem;
  if (decision.excluded.length > 0) row.excluded = decision.excluded;
  if (r.redacted) {
    row.redactedCount = r.redacted.count;
    row.redactedKinds = r.redacted.kinds;
  }
  if (r.cache) {
    row.cache = r.cache.status;
    if (r.cache.status === 'hit') row.savedUsd = Number(r.cache.savedPico) / 1e12;
  }
  return row;
}

/**
 * Books a finished request, in one place: settles what it cost (or releases what it held), writes its
 * decision-log row, counts it in the metrics and writes its one log line. Every request ends here, refused
 * ones included.
 */
export async function record(deps: RecordDeps, r: RequestRecord): Promise<void> {
  const { delivery, decision, facts } = r;
  const now = deps.clock.now();
  const served = delivery.served;
  const { reservations, admissions } = r.hold;
  for (const reservation of reservations) {
    try {
      if (served && delivery.metered) {
        await deps.ledger.settle(reservation, delivery.metered.costPico, served.route, now);
        deps.alerts?.afterSettle(reservation.tenant, now);
      } else await deps.ledger.release(reservation, now);
    } catch (err) {
      // A shared ledger that stopped answering lets its reservation expire by itself; the row is still written.
      r.log.error({ err }, 'settling the reservation failed');
    }
  }
  // Its places in flight are given back however the request ended.
  for (const admission of admissions)
    await deps.limiter
      .finish(admission)
      .catch((err: unknown) => r.log.error({ err }, 'giving back the place in flight failed'));
  const latencyMs = now - r.startedMs;
  const row = logRow(r, latencyMs);
  deps.sink.record(row);
  deps.tracer?.record(row, served?.format, now);

  const m = deps.metrics;
  const route = served?.route ?? 'none';
  if (!served && r.attempts.length === 0 && delivery.error) m.denied.inc({ code: delivery.error.code });
  m.countRequest(route, served?.kind ?? 'none', delivery.status);
  if (r.cache) {
    m.cache.inc({ tenant: facts.tenant, status: r.cache.status });
    if (r.cache.savedPico > 0n) m.cacheSaved.inc({ tenant: facts.tenant }, Number(r.cache.savedPico) / 1e12);
  }
  deps.live?.observe(route, served?.kind ?? 'none', decision.sensitivity, errorCodeOf(delivery), latencyMs, now);
  if (served) {
    const ttftS = facts.stream && delivery.ttftMs !== undefined ? delivery.ttftMs / 1000 : undefined;
    m.countServed(
      route,
      facts.tenant,
      latencyMs / 1000,
      ttftS,
      delivery.metered?.usage,
      Number(delivery.metered?.costPico ?? 0n) / 1e12,
    );
    if (delivery.metered?.problem !== undefined) m.usageClamped.inc({ route });
  }
  const line = {
    tenant: facts.tenant,
    model: facts.model,
    served_model: served?.upstreamModel,
    route: served?.route,
    kind: served?.kind,
    tags: decision.tags,
    sensitivity: decision.sensitivity,
    rules: decision.rulesFired,
    stream: facts.stream,
    status: delivery.status,
    code: delivery.error?.code,
    attempts: r.attempts,
    ttft_ms: delivery.ttftMs,
    total_ms: latencyMs,
  };
  const msg = served || r.attempts.length > 0 ? 'request' : 'refused';
  // At debug level pino skips the line before serialising anything.
  if (deps.requestLines?.() === false) r.log.debug(line, msg);
  else writeRequestLine(r.log, line, msg);
}

/** A request refused at the edge (its body or headers), after its caller was authenticated. */
export interface EdgeRefusal {
  readonly requestId: string;
  readonly callerRequestId: string | undefined;
  readonly keyId: string | undefined;
  readonly startedMs: number;
  readonly tenant: string;
  readonly endpoint: string;
  /** The body's `model` when it is a short string (it is the caller's, and echoed in reports). */
  readonly model: string;
  readonly error: GatewayError;
}

/**
 * Books a refusal that never reached the planner: a log row (no route, no cost) and the metrics, so an
 * authenticated caller's bad requests show in the log like every other request.
 */
export function recordEdgeRefusal(deps: RecordDeps, r: EdgeRefusal): void {
  const now = deps.clock.now();
  const row: LogRow = {
    ts: r.startedMs,
    requestId: r.requestId,
    ...(r.callerRequestId === undefined ? {} : { callerRequestId: r.callerRequestId }),
    ...(r.keyId === undefined ? {} : { keyId: r.keyId }),
    tenant: r.tenant,
    endpoint: r.endpoint,
    requestedModel: r.model,
    model: r.model,
    tags: [],
    sensitivity: '',
    rules: [],
    stream: false,
    status: r.error.status,
    errorCode: r.error.code,
    attempts: [],
    latencyMs: now - r.startedMs,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    costPico: 0n,
    estimated: false,
  };
  deps.sink.record(row);
  deps.tracer?.record(row, undefined, now);
  deps.metrics.denied.inc({ code: r.error.code });
  deps.metrics.countRequest('none', 'none', r.error.status);
  deps.live?.observe('none', 'none', '', r.error.code, now - r.startedMs, now);
}
