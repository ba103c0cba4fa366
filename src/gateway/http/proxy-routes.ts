import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import { ChatCompletionRequestSchema, EmbeddingsRequestSchema } from '../../engine/request-schema.js';
import type { Tenant } from '../../engine/routing-config.js';
import type { StoredKey } from '../../store/key-store.js';
import type { AppContext } from '../app-context.js';
import { GatewayError } from '../errors.js';
import { MessagesRequestSchema } from '../formats/anthropic/messages-schema.js';
import { ResponsesRequestSchema } from '../formats/responses/responses-schema.js';
import { WIRE_FORMATS } from '../formats/registry.js';
import type { Endpoint, Json, WireFormat } from '../formats/wire-format.js';
import { record, type RequestRecord } from '../record/record.js';
import { Cancel } from '../relay/cancel.js';
import type { Delivery, Hold, Outcome } from '../outcome.js';
import { sizeOf } from '../relay/usage.js';
import { authenticate } from './auth.js';
import { readCallerRequest } from './caller-request.js';
import { callerRequestId, echoedRequestId } from './caller-request-id.js';
import { toGatewayError } from './error-mapping.js';
import { planInput, planRequest, type PlanInput } from './plan-request.js';
import { redactRequest } from './redact-request.js';
import { restored } from './restore-answer.js';
import { cacheUse, keeping, lookup, type CacheStatus, type CacheUse } from '../cache/cache-step.js';
import { reserve, worstTokens } from './reserve.js';
import { respond, type RespondContext } from './respond.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of an authenticated proxy request (set before the body is read or validated). */
    tenant: Tenant | null;
    /** The store's virtual key the request came with; null for a tenant key from the config. */
    apiKey: StoredKey | null;
    /** When the request arrived, on the gateway's clock. */
    startedMs: number;
  }
}

/** Rows the decision log may fall behind before proxy requests are refused (`log.max_backlog_rows`). */
const DEFAULT_MAX_BACKLOG_ROWS = 100_000;

/** Cancelled when the caller hangs up before its response is finished. */
function callerGone(reply: FastifyReply): Cancel {
  const gone = new Cancel();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone;
}

const refused = (error: GatewayError): Outcome => ({ kind: 'failed', error, attempts: [] });

/** The relay step: a request that holds its reservation is relayed; one refused before that is answered so. */
async function relayHeld(
  ctx: AppContext,
  request: FastifyRequest,
  { canonical }: PlanInput,
  hold: Hold,
  caller: WireFormat,
  signal: Cancel,
): Promise<Outcome> {
  if (hold.refusal) return refused(hold.refusal);
  const { facts, decision } = hold.planned;
  const original = caller.buildCallAsIs ? { original: { format: caller.id, body: canonical.sent as Json } } : {};
  try {
    return await ctx.runtime.current.relay({
      endpoint: canonical.endpoint,
      body: canonical.body,
      decision,
      stream: facts.stream,
      size: sizeOf(facts),
      signal,
      worstTokens: worstTokens(facts),
      callerFormat: caller.id,
      ...original,
    });
  } catch (err) {
    // A fault of the gateway's own still answers, releases and logs like any other outcome.
    request.log.error({ err }, 'relay failed');
    return refused(toGatewayError(err));
  }
}

/** How `respond` writes to this caller: its format, its request id, whether it asked for the usage chunk. */
function respondContext(
  request: FastifyRequest,
  caller: WireFormat,
  input: PlanInput,
  { planned }: Hold,
  signal: Cancel,
  cache: CacheStatus | undefined,
): RespondContext {
  return {
    caller,
    requestId: echoedRequestId(request),
    decision: planned.decision,
    wantsUsage: (input.canonical.body as Json).stream_options?.include_usage === true,
    size: sizeOf(planned.facts),
    signal,
    redacted: input.redaction?.masking.count ?? 0,
    ...(cache ? { cache } : {}),
  };
}

const cacheStatus = (use: CacheUse | undefined, hit: unknown): CacheStatus => (!use ? 'bypass' : hit ? 'hit' : 'miss');
const topLevel = (ctx: AppContext) => ctx.runtime.current.loaded.routing.sensitivity.levels.at(-1) ?? '';

/** What `record` settles, gives back and logs: the request from arrival to what the caller got. */
function requestRecord(
  request: FastifyRequest,
  input: PlanInput,
  hold: Hold,
  outcome: Outcome,
  delivery: Delivery,
  cache: { readonly status: CacheStatus; readonly savedPico: bigint } | undefined,
): RequestRecord {
  const masking = input.redaction?.masking;
  return {
    ...(cache ? { cache } : {}),
    ...(masking && masking.count > 0 ? { redacted: { count: masking.count, kinds: [...masking.kinds].sort() } } : {}),
    requestId: request.id,
    callerRequestId: callerRequestId(request),
    keyId: request.apiKey?.id,
    startedMs: request.startedMs,
    facts: hold.planned.facts,
    decision: hold.planned.decision,
    hold,
    attempts: outcome.attempts,
    delivery,
    log: request.log,
  };
}

/**
 * One request, one line: edge (auth, body in the caller's format) → redact (when the tenant does) → buildFacts and
 * plan → reserve → relay → restore → respond → record. Each step returns a value to the next; only `respond` writes
 * to the caller and only `record` settles, gives back and logs what the steps returned. A request refused before it
 * is planned and held (its body, schema or pace, the log backlog, a step that throws: an unknown tag, the shared
 * state away) leaves through the error handler, which logs it with `recordEdgeRefusal`.
 */
function proxyHandler(ctx: AppContext, endpoint: Endpoint, caller: WireFormat) {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const { startedMs } = request;
    // Set by the routes' onRequest hook, which refuses the request without one.
    const tenant = request.tenant as Tenant;
    const read = readCallerRequest(caller, endpoint, request.body as Json);
    const { canonical, redaction } = tenant.redaction ? await redactRequest(tenant, caller, read) : { canonical: read };
    const who = { tenant, key: request.apiKey };
    const input = await planInput(ctx, request, who, canonical, redaction);
    const plan = () => planRequest(ctx, input, startedMs);
    const planned = await plan();
    // Without `cache:`, nothing of the cache is computed on the request path.
    const cache =
      ctx.caches &&
      cacheUse(ctx.caches, tenant, endpoint, canonical.body as Json, planned.decision, topLevel(ctx), request.headers);
    const hit = cache && (await lookup(cache, planned.decision, planned.facts.stream));
    // A hit costs nothing and holds nothing: no reservation, no place in flight, no upstream.
    const hold = hit
      ? { planned, reservations: [], admissions: [] }
      : await reserve(ctx, who, planned, plan, startedMs);
    const signal = callerGone(reply);
    const relayed = hit ? hit.outcome : await relayHeld(ctx, request, input, hold, caller, signal);
    const outcome = restored(cache && !hit ? keeping(cache, relayed) : relayed, redaction);
    const cached = ctx.caches && { status: cacheStatus(cache, hit), savedPico: hit ? hit.savedPico : 0n };
    const delivery = await respond(
      outcome,
      reply,
      respondContext(request, caller, input, hold, signal, cached?.status),
    );
    await record(ctx, requestRecord(request, input, hold, outcome, delivery, cached));
    return reply;
  };
  return (request: FastifyRequest, reply: FastifyReply) => ctx.inFlight.track(handle(request, reply));
}

/**
 * The proxy endpoints: each path's body schema, the endpoint it serves and the format its callers speak.
 * Anthropic's Messages API, for Anthropic clients: the same planner and routes, answered in their format.
 * OpenAI's Responses API: to a Responses route as sent, to any other through the chat shape and back.
 */
const PROXY_ENDPOINTS = [
  { path: '/v1/chat/completions', body: ChatCompletionRequestSchema, endpoint: 'chat', caller: WIRE_FORMATS.openai },
  { path: '/v1/embeddings', body: EmbeddingsRequestSchema, endpoint: 'embeddings', caller: WIRE_FORMATS.openai },
  { path: '/v1/responses', body: ResponsesRequestSchema, endpoint: 'chat', caller: WIRE_FORMATS['openai-responses'] },
  { path: '/v1/messages', body: MessagesRequestSchema, endpoint: 'chat', caller: WIRE_FORMATS.anthropic },
] as const satisfies readonly { path: string; body: TSchema; endpoint: Endpoint; caller: WireFormat }[];

export function registerProxyRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('tenant', null);
  app.decorateRequest('startedMs', 0);
  app.decorateRequest('apiKey', null);
  // Authentication before the body is parsed or validated: an unknown caller learns nothing and costs little.
  const authenticated = {
    onRequest: async (request: FastifyRequest) => {
      request.startedMs = ctx.clock.now();
      const caller = authenticate(request.headers, ctx.runtime.current.loaded, ctx.store, request.startedMs);
      request.tenant = caller.tenant;
      request.apiKey = caller.key;
      const behind = ctx.sink.backlog();
      if (behind > (ctx.runtime.current.loaded.file.log?.max_backlog_rows ?? DEFAULT_MAX_BACKLOG_ROWS)) {
        const why = ctx.sink.problem();
        throw new GatewayError(
          'log_backlog',
          `The decision log is ${behind} rows behind${why === undefined ? '' : ` (${why})`}; retry shortly.`,
          { retryAfterMs: 1000 },
        );
      }
    },
  };
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const { path, body, endpoint, caller } of PROXY_ENDPOINTS)
    typed.post(
      path,
      { schema: { body }, config: { callerFormat: caller, endpoint }, ...authenticated },
      proxyHandler(ctx, endpoint, caller),
    );
}
