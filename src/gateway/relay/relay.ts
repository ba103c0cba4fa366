import type { WireFormatId } from '../../engine/config-schema.js';
import type { Candidate, Decision } from '../../engine/decision.js';
import { GatewayError } from '../errors.js';
import { WIRE_FORMATS } from '../formats/registry.js';
import {
  parseObject,
  UnsupportedEndpointError,
  type Endpoint,
  type Json,
  type UpstreamCall,
  type WireFormat,
} from '../formats/wire-format.js';
import type { Clock } from '../state/clock.js';
import type { RateLimiter } from '../state/rate-limiter.js';
import type { RouteHealthStore } from '../state/route-health-store.js';
import type { Cancel } from './cancel.js';
import type { Attempt, Exchange } from './exchange.js';
import type { Outcome } from '../outcome.js';
import { retryWait } from './retry.js';
import { withRouteHealth } from './health-wrapped-attempt.js';
import { answerAsBilled, meter, meterAnswer } from './meter.js';
import type { RequestSize } from './usage.js';
import { redactSecrets } from './redact.js';
import { sendAttempt } from './send-attempt.js';
import type { UpstreamPools } from './upstream-pools.js';

export interface RelayRequest {
  readonly endpoint: Endpoint;
  /** The gateway's (OpenAI-shaped) request body. */
  readonly body: Json;
  readonly decision: Decision;
  readonly stream: boolean;
  /** What the request could produce: estimates for answers that report no usage, and the bound of those that do. */
  readonly size: RequestSize;
  /** Aborted when the caller hangs up. */
  readonly signal: Cancel;
  /** What the request counts against a route's tokens-per-minute limit (its prompt and the most it may answer). */
  readonly worstTokens: number;
  /** The caller's own body, when its format can be sent as it is to a route of the same format. */
  readonly original?: { readonly format: WireFormatId; readonly body: Json };
  /** The caller's format. */
  readonly callerFormat: WireFormatId;
}

export interface RelayDeps {
  readonly pools: UpstreamPools;
  /** The largest non-streamed answer read from an upstream. */
  readonly maxBodyBytes: number;
  readonly health: RouteHealthStore;
  readonly limiter: RateLimiter;
  readonly clock: Clock;
  /** The jitter of retries' backoff. */
  readonly random: () => number;
}

/**
 * The format a request goes to a route in: the route's own, except that OpenAI's own API speaks Responses
 * too, so a Responses caller's request to an `openai` preset route goes there as sent.
 */
function formatFor(req: RelayRequest, candidate: Candidate, provider: string | undefined): WireFormat {
  const responsesAsSent = req.original?.format === 'openai-responses' && provider === 'openai';
  return WIRE_FORMATS[responsesAsSent ? 'openai-responses' : candidate.format];
}

type Concluding = Extract<Exchange, { kind: 'rejected' | 'answer' | 'raw-answer' | 'stream' }>;

/** An exchange that ends the walk: an answer metered as billed, a stream under way, or the request refused. */
function concluded(
  exchange: Concluding,
  candidate: Candidate,
  req: RelayRequest,
  attempts: readonly Attempt[],
  ms: number,
  keys: () => readonly string[],
): Outcome {
  switch (exchange.kind) {
    case 'rejected': {
      // The upstream refused the request itself: another route would refuse it too.
      const message = `Route ${candidate.route} rejected the request: ${redactSecrets(exchange.message, keys())}`;
      const options = { status: exchange.status, type: 'invalid_request_error' } as const;
      return { kind: 'failed', error: new GatewayError('upstream_rejected', message, options), attempts };
    }
    case 'answer': {
      const metered = meterAnswer(exchange.answer, req.size, candidate.price);
      const answer = answerAsBilled(exchange.answer, metered);
      return { kind: 'answer', served: candidate, answer, metered, attempts, ttftMs: ms };
    }
    case 'raw-answer': {
      const metered = meter(exchange.usage, req.size, 0, candidate.price);
      // Passed on byte for byte, unless its usage was not believed: then the caller is told what it is billed.
      if (metered.problem === undefined)
        return { kind: 'raw-answer', served: candidate, text: exchange.text, metered, attempts, ttftMs: ms };
      const answer = answerAsBilled(parseObject(exchange.text, 'the answer'), metered);
      return { kind: 'answer', served: candidate, answer, metered, attempts, ttftMs: ms };
    }
    case 'stream':
      return { kind: 'stream', served: candidate, first: exchange.first, rest: exchange.rest, attempts, ttftMs: ms };
  }
}

/**
 * Walks the decision's routes in order, and only those: never a route the planner did not list. A route
 * that cannot connect, times out before the first byte, answers 429/5xx/401/403/404, answers in a shape its
 * format cannot read, or is at its upstream account's rate limit is recorded and the next one is tried; a
 * refusal of the request itself (400, 422…) ends the walk. A route with `retries` is tried again first after
 * a transient failure (429, 5xx, a dropped connection), within its deadline. Returns as soon as a route
 * answered (a stream: its first items), or how every try failed.
 */
export function createRelay(deps: RelayDeps) {
  const { pools, clock } = deps;
  const attempt = withRouteHealth(deps.health, clock)((_candidate, req) => sendAttempt(req));
  // Keys the decision's routes send upstream: an upstream error that echoes one is redacted.
  // With the environment's AWS secret and session token: Bedrock's signature errors may echo the latter.
  const keysOf = (decision: Decision) => [
    ...decision.candidates.flatMap((c) => pools.get(c.route).route.api_key ?? []),
    ...[process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN].filter((v): v is string => !!v),
  ];

  return async function relay(req: RelayRequest): Promise<Outcome> {
    const attempts: Attempt[] = [];
    for (const candidate of req.decision.candidates) {
      if (req.signal.aborted) break;
      const target = pools.get(candidate.route);
      const format = formatFor(req, candidate, target.route.provider);
      let call: UpstreamCall;
      try {
        // Built before the circuit is asked, so a request a format refuses never holds a half-open probe.
        call =
          req.original?.format === format.id && format.buildCallAsIs
            ? format.buildCallAsIs(req.original.body, candidate.upstreamModel, target.route.api_key)
            : format.buildCall(req.endpoint, req.body, candidate.upstreamModel, target.route.api_key, target.route);
      } catch (err) {
        if (err instanceof UnsupportedEndpointError) {
          attempts.push({ route: candidate.route, status: 'unsupported', ms: 0 });
          continue;
        }
        // The request's own shape does not survive translation (tools that are not a list, …): the caller's to fix.
        const error = new GatewayError(
          'invalid_request',
          `The request cannot be sent to route ${candidate.route} in its format: ${(err as Error).message}`,
          { cause: err },
        );
        return { kind: 'failed', error, attempts };
      }
      // The upstream account's own limit: counted for every instance alike, checked before anything is sent.
      const limits = target.route.limits;
      if (limits && (await deps.limiter.admitRoute(candidate.route, limits, req.worstTokens, clock.now()))) {
        attempts.push({ route: candidate.route, status: 'rate_limit', ms: 0 });
        continue;
      }
      const routeStarted = clock.now();
      let exchange: Exchange;
      let ms: number;
      for (let retry = 0; ; retry++) {
        const t0 = clock.now();
        exchange = await attempt(candidate, {
          target,
          format,
          endpoint: req.endpoint,
          call,
          stream: req.stream,
          signal: req.signal,
          maxBodyBytes: deps.maxBodyBytes,
          asItCame: req.callerFormat === 'openai' && format.id === 'openai',
        });
        ms = clock.now() - t0;
        const policy = target.route.retries;
        const left = target.route.timeouts.total_ms - (clock.now() - routeStarted);
        if (exchange.kind !== 'failed' || !policy) break;
        const wait = retryWait(policy, retry, exchange, left, deps.random);
        if (wait === undefined) break;
        // Every try is an attempt in the log; nothing has reached the caller yet (a stream is never retried).
        attempts.push({ route: candidate.route, status: exchange.failure, ms });
        if (!(await req.signal.pause(wait))) return { kind: 'aborted', attempts };
      }
      switch (exchange.kind) {
        case 'skipped':
          attempts.push({ route: candidate.route, status: 'skipped', ms: 0 });
          continue;
        case 'failed':
          attempts.push({ route: candidate.route, status: exchange.failure, ms });
          continue;
        case 'aborted':
          attempts.push({ route: candidate.route, status: 'aborted', ms });
          return { kind: 'aborted', attempts };
        default:
          attempts.push({ route: candidate.route, status: exchange.kind === 'rejected' ? exchange.status : 200, ms });
          return concluded(exchange, candidate, req, attempts, ms, () => keysOf(req.decision));
      }
    }
    if (req.signal.aborted) return { kind: 'aborted', attempts };
    const error = attempts.every((a) => a.status === 'skipped' || a.status === 'rate_limit')
      ? new GatewayError(
          'routes_unavailable',
          'Every route allowed for this request is unavailable right now (circuits open or at their rate limits); retry later.',
        )
      : new GatewayError(
          'upstream_failed',
          `All ${attempts.length} allowed route${attempts.length === 1 ? '' : 's'} failed: ${attempts.map((a) => `${a.route} ${a.status} (${a.ms} ms)`).join('; ')}`,
        );
    return { kind: 'failed', error, attempts };
  };
}
export type Relay = ReturnType<typeof createRelay>;
