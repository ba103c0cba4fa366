import { once } from 'node:events';
import type { FastifyReply } from 'fastify';
import type { Dispatcher } from 'undici';
import type { Candidate, Decision } from '../engine/decision.js';
import type { Endpoint, UpstreamAdapter } from './adapters/upstream-adapter.js';
import { GatewayError, type OpenAiErrorType } from './errors.js';
import { formatUsd } from '../engine/money.js';
import { answerChars, meter } from './meter.js';
import { redactSecrets } from './redact.js';
import { SseUsageTap } from './sse-usage-tap.js';
import { usageFromOpenAi, type MeteredUsage } from './usage.js';
import type { RouteHealthBoard } from './route-health.js';
import type { UpstreamPools } from './upstream-pools.js';

/** One try of one route, as logged and as told in a 502. */
export interface Attempt {
  readonly route: string;
  /** HTTP status, or what went wrong: `connect`, `timeout`, `reset`, `empty`, `bad_body`, `skipped`, `aborted`. */
  readonly status: number | string;
  readonly ms: number;
}

export interface ForwardRequest {
  readonly endpoint: Endpoint;
  readonly body: Record<string, unknown>;
  readonly decision: Decision;
  readonly stream: boolean;
  readonly reply: FastifyReply;
  /** Aborted when the caller hangs up. */
  readonly signal: AbortSignal;
  /** Response headers for the route that serves, set before the first byte. */
  readonly headersFor: (served: Candidate) => Record<string, string>;
  /** The planner's prompt estimate, used when an upstream reports no usage. */
  readonly inputEstimate: number;
  /** For callers that speak another format (Anthropic clients): the OpenAI answer translated for them. */
  readonly respondAs?: ResponseTranslation;
}

/** Turns the OpenAI-format answer into the caller's format. */
export interface ResponseTranslation {
  body(openAiJson: string): string;
  createStream(): (openAiSse: Buffer) => Buffer;
}

export interface ForwardResult {
  readonly attempts: Attempt[];
  readonly served?: Candidate;
  /** The status the caller got (499 when the caller hung up first). */
  readonly status: number;
  /** Why the caller got no answer (nothing was sent yet: the handler answers with it), or `upstream_stream_error`. */
  readonly error?: GatewayError;
  readonly ttftMs?: number;
  readonly totalMs: number;
  /** Token usage of the served answer (reported, or estimated and marked so). */
  readonly usage?: MeteredUsage;
  /** Exact cost of the served answer at the serving route's price, pico-dollars. */
  readonly costPico?: bigint;
}

/** How one started attempt ended: a status for the caller, or `failover` with why. */
interface AttemptOutcome {
  readonly status: number | 'failover';
  readonly streamFailed?: boolean;
  readonly failure?: string;
  readonly ttftMs?: number;
  readonly usage?: MeteredUsage;
  readonly costPico?: bigint;
}

export interface ForwardDeps {
  readonly pools: UpstreamPools;
  readonly health: RouteHealthBoard;
  readonly adapters: Readonly<Partial<Record<string, UpstreamAdapter>>>;
  readonly now: () => number;
}

/**
 * Worth trying the next route: the upstream is overloaded or broken (429, 5xx), or the route itself is
 * misconfigured — its key refused (401, 403) or its model name unknown there (404). Only what says the
 * request itself is wrong (400, 413, 422, …) goes back to the caller.
 */
const retryableStatus = (status: number) => status === 429 || status >= 500 || status === 401 || status === 403 || status === 404 || status === 408;

function failureKind(err: unknown): string {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'connect';
  return 'reset';
}

function upstreamMessage(text: string): { message: string; type: OpenAiErrorType } {
  try {
    const e = (JSON.parse(text) as { error?: { message?: unknown; type?: unknown } }).error;
    if (e && typeof e.message === 'string') return { message: e.message, type: (typeof e.type === 'string' ? e.type : 'invalid_request_error') as OpenAiErrorType };
  } catch {
    // not JSON: fall through to the raw text
  }
  return { message: text.slice(0, 300), type: 'invalid_request_error' };
}

const STREAM_FAILED = new GatewayError(502, 'api_error', 'upstream_stream_error', 'The upstream stream failed after it started.');
const STREAM_ERROR = (message: string) => `data: ${JSON.stringify({ error: { message, type: 'api_error', code: 'upstream_stream_error', param: null } })}\n\n`;

/**
 * Walks the decision's routes in order, and only those: never a route the planner did not list. A route
 * that cannot connect, times out before the first byte, or answers 429/5xx is recorded and the next one is
 * tried; once stream bytes have reached the caller, a failure ends the stream with an OpenAI-style error
 * event instead. When every route failed: a 502 naming each attempt, returned (not thrown) with the
 * attempts so that the caller can log them before answering.
 */
export class Forwarder {
  constructor(private readonly deps: ForwardDeps) {}

  async forward(req: ForwardRequest): Promise<ForwardResult> {
    const { health, now } = this.deps;
    const started = now();
    const attempts: Attempt[] = [];
    const secrets: string[] = [];

    for (const candidate of req.decision.candidates) {
      if (req.signal.aborted) break;
      const target = this.deps.pools.get(candidate.route);
      const adapter = this.deps.adapters[candidate.format];
      if (!adapter) throw new GatewayError(500, 'api_error', 'internal_error', `no adapter for format ${candidate.format}`);
      const apiKey = target.route.config.api_key;
      if (apiKey) secrets.push(apiKey);
      // Built before the circuit is asked, so a request the adapter refuses never holds a half-open probe.
      const call = adapter.buildCall(req.endpoint, req.body, candidate.upstreamModel, apiKey);
      if (!health.tryAcquire(candidate.route)) {
        attempts.push({ route: candidate.route, status: 'skipped', ms: 0 });
        continue;
      }
      const timeouts = target.route.config.timeouts;
      const t0 = now();
      let res: Dispatcher.ResponseData;
      try {
        res = await target.pool.request({
          method: 'POST',
          path: target.basePath + call.path,
          headers: call.headers,
          body: call.body,
          signal: req.signal,
          headersTimeout: timeouts?.first_byte_ms ?? 60_000,
          bodyTimeout: timeouts?.idle_ms ?? 30_000,
        });
      } catch (err) {
        if (req.signal.aborted) {
          health.released(candidate.route);
          attempts.push({ route: candidate.route, status: 'aborted', ms: now() - t0 });
          return { attempts, status: 499, totalMs: now() - started };
        }
        health.failed(candidate.route);
        attempts.push({ route: candidate.route, status: failureKind(err), ms: now() - t0 });
        continue;
      }

      if (retryableStatus(res.statusCode)) {
        await res.body.dump().catch(() => undefined);
        health.failed(candidate.route);
        attempts.push({ route: candidate.route, status: res.statusCode, ms: now() - t0 });
        continue;
      }
      if (res.statusCode >= 400) {
        // The upstream refused the request itself: another route would refuse it too.
        const { message, type } = upstreamMessage(await res.body.text().catch(() => ''));
        health.succeeded(candidate.route, candidate.model, now() - t0, now() - t0);
        attempts.push({ route: candidate.route, status: res.statusCode, ms: now() - t0 });
        const error = new GatewayError(res.statusCode, type, 'upstream_rejected', `Route ${candidate.route} rejected the request: ${redactSecrets(message, secrets)}`);
        return { attempts, status: res.statusCode, error, totalMs: now() - started };
      }

      const outcome = req.stream ? await this.pipeStream(req, candidate, adapter, res, t0) : await this.sendWhole(req, candidate, adapter, res, t0);
      attempts.push({ route: candidate.route, status: outcome.status === 'failover' ? (outcome.failure ?? 'reset') : outcome.status, ms: now() - t0 });
      if (outcome.status === 'failover') continue;
      return {
        attempts,
        served: candidate,
        status: outcome.status,
        totalMs: now() - started,
        ...(outcome.ttftMs === undefined ? {} : { ttftMs: outcome.ttftMs }),
        ...(outcome.usage === undefined ? {} : { usage: outcome.usage, costPico: outcome.costPico }),
        ...(outcome.streamFailed ? { error: STREAM_FAILED } : {}),
      };
    }

    if (req.signal.aborted) return { attempts, status: 499, totalMs: now() - started };
    const error = attempts.every((a) => a.status === 'skipped')
      ? new GatewayError(503, 'service_unavailable', 'no_eligible_route', 'No route allowed for this request is available right now (circuits open).')
      : new GatewayError(502, 'api_error', 'upstream_failed', `All ${attempts.length} allowed route${attempts.length === 1 ? '' : 's'} failed: ${attempts.map((a) => `${a.route} ${a.status} (${a.ms} ms)`).join('; ')}`);
    return { attempts, status: error.status, error, totalMs: now() - started };
  }

  private async sendWhole(req: ForwardRequest, candidate: Candidate, adapter: UpstreamAdapter, res: Dispatcher.ResponseData, t0: number): Promise<AttemptOutcome> {
    const { health, now } = this.deps;
    let upstreamText: string;
    try {
      upstreamText = await res.body.text();
    } catch (err) {
      if (req.signal.aborted) {
        health.released(candidate.route);
        return { status: 499 };
      }
      health.failed(candidate.route);
      return { status: 'failover', failure: failureKind(err) };
    }
    let text: string;
    try {
      text = adapter.toOpenAiBody(req.endpoint, upstreamText);
    } catch {
      // A 2xx the adapter cannot read (not the format it speaks) is a broken route, like a reset.
      health.failed(candidate.route);
      return { status: 'failover', failure: 'bad_body' };
    }
    let json: { usage?: unknown; choices?: { message?: { content?: unknown } }[] } = {};
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      // Not JSON: relayed as it came, metered by estimate.
    }
    const { usage, costPico } = meter(usageFromOpenAi(json.usage), req.inputEstimate, answerChars(json), candidate.price);
    const ms = now() - t0;
    health.succeeded(candidate.route, candidate.model, ms, ms);
    req.reply
      .code(200)
      .headers({ ...req.headersFor(candidate), 'content-type': 'application/json', 'x-switchyard-cost-usd': formatUsd(costPico, 9) })
      .send(req.respondAs ? req.respondAs.body(text) : text);
    return { status: 200, ttftMs: ms, usage, costPico };
  }

  private async pipeStream(req: ForwardRequest, candidate: Candidate, adapter: UpstreamAdapter, res: Dispatcher.ResponseData, t0: number): Promise<AttemptOutcome> {
    const { health, now } = this.deps;
    const raw = req.reply.raw;
    const translate = adapter.createStreamTranslator();
    const wantsUsage = (req.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const tap = new SseUsageTap(wantsUsage);
    const outbound = req.respondAs?.createStream();
    const relay = (bytes: Buffer) => (outbound ? outbound(bytes) : bytes);
    let ttftMs: number | undefined;
    try {
      for await (const chunk of res.body) {
        const out = relay(tap.push(translate ? translate(chunk as Buffer) : (chunk as Buffer)));
        if (ttftMs === undefined) {
          ttftMs = now() - t0;
          req.reply.hijack();
          raw.writeHead(200, { ...req.headersFor(candidate), 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        }
        if (out.length > 0 && !raw.write(out)) await once(raw, 'drain', { signal: req.signal });
      }
    } catch (err) {
      if (req.signal.aborted) {
        health.released(candidate.route);
        if (ttftMs !== undefined) raw.destroy();
        return { status: 499 };
      }
      health.failed(candidate.route);
      // Nothing has reached the caller yet: the next route may still serve it.
      if (ttftMs === undefined) return { status: 'failover', failure: failureKind(err) };
      raw.end(relay(Buffer.from(STREAM_ERROR(`The upstream stream from route ${candidate.route} failed after it started; the answer is incomplete.`))));
      // What was streamed was still produced and may be billed: meter it by estimate.
      return { status: 200, ttftMs, streamFailed: true, ...meter(tap.usage, req.inputEstimate, tap.contentChars, candidate.price) };
    }
    if (ttftMs === undefined) {
      // An empty 200 stream: nothing to relay, the route is broken for this request.
      health.failed(candidate.route);
      return { status: 'failover', failure: 'empty' };
    }
    raw.end(relay(tap.finish()));
    health.succeeded(candidate.route, candidate.model, now() - t0, ttftMs);
    return { status: 200, ttftMs, ...meter(tap.usage, req.inputEstimate, tap.contentChars, candidate.price) };
  }
}
