import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Decision } from '../../engine/decision.js';
import { planRoute } from '../../engine/planner.js';
import { buildFacts, NO_SPEND } from '../../engine/request-facts.js';
import { ChatCompletionRequestSchema, EmbeddingsRequestSchema } from '../../engine/request-schema.js';
import type { Tenant } from '../../engine/routing-config.js';
import type { AppContext } from '../build-app.js';
import { denialToError, GatewayError } from '../errors.js';
import { MessagesRequestSchema } from '../formats/anthropic/messages-schema.js';
import { ResponsesRequestSchema } from '../formats/responses/responses-schema.js';
import { WIRE_FORMATS } from '../formats/registry.js';
import type { Endpoint, Json, WireFormat } from '../formats/wire-format.js';
import { record } from '../record/record.js';
import { Cancel } from '../relay/cancel.js';
import type { Outcome } from '../relay/relay.js';
import { authenticate } from './auth.js';
import { readCallerRequest } from './caller-request.js';
import { callerRequestId, echoedRequestId } from './caller-request-id.js';
import { toGatewayError } from './error-mapping.js';
import { externalFindings } from './analyzer.js';
import { hintsFromHeaders } from './caller-hints.js';
import { respond } from './respond.js';
import { storesFor, type TenantStores } from './tenant-stores.js';
import { plannerView } from '../state/planner-view.js';
import { isRefusal } from '../state/rate-limiter.js';
import type { SpendLedger } from '../state/spend-ledger.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant of an authenticated proxy request (set before the body is read or validated). */
    tenant: Tenant | null;
    /** When the request arrived, on the gateway's clock. */
    startedMs: number;
  }
}

/** The detector's clock for its time limit: monotonic, unlike the gateway's (which a test may set). */
const monotonicMs = () => performance.now();

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

/** The spend the planner plans with: a tenant without a budget has nothing to compare it with, so no store is asked. */
const spendOf = (ledger: SpendLedger, tenant: Tenant, nowMs: number) => (tenant.budget ? ledger.snapshot(tenant.id, nowMs) : NO_SPEND);

/** The most any of the decision's routes can cost: what the budget holds while the request is in flight. */
function worstCase(decision: Decision): bigint {
  let max = 0;
  for (const c of decision.candidates) if (c.maxCostPico > max) max = c.maxCostPico;
  return BigInt(max);
}

const refused = (error: GatewayError): Outcome => ({ kind: 'failed', error, attempts: [] });

/** The tokens a request counts against a tenant's or a route's per-minute token limit: its prompt and the most it may answer. */
const worstTokens = (facts: { inputTokens: number; maxOutputTokens?: number; choices?: number }) => facts.inputTokens + (facts.maxOutputTokens ?? 0) * (facts.choices ?? 1);

/**
 * The tenant's rate limits and its budget, checked at once (two stores, neither waits for the other); what
 * one let in is given back when the other refused, or failed.
 */
async function admitAndReserve({ ledger, limiter }: TenantStores, tenant: Tenant, tokens: number, amount: bigint, nowMs: number) {
  const [admitted, reserved] = await Promise.allSettled([
    tenant.limits ? limiter.admit(tenant.id, tenant.limits, tokens, nowMs) : undefined,
    ledger.reserve(tenant.id, tenant.budget, amount, nowMs),
  ]);
  const admission = admitted.status === 'fulfilled' ? admitted.value : undefined;
  const limited = admission && isRefusal(admission) ? admission : undefined;
  const held = reserved.status === 'fulfilled' ? reserved.value : undefined;
  const failed = admitted.status === 'rejected' ? admitted.reason : reserved.status === 'rejected' ? reserved.reason : undefined;
  if (held && (limited || failed)) await ledger.release(held, nowMs);
  if (admission && !isRefusal(admission) && failed) await limiter.finish(admission);
  if (failed) throw failed;
  return { admission, limited, held };
}

/**
 * One request, one line: edge (auth, body in the caller's format) → buildFacts → plan → reserve → relay →
 * respond → record. Each step returns a value to the next; only `respond` writes to the caller and only
 * `record` settles and logs, whatever happened before.
 */
function proxyHandler(ctx: AppContext, endpoint: Endpoint, caller: WireFormat) {
  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const { startedMs } = request;
    const runtime = ctx.runtime.current;
    // Set by the routes' onRequest hook, which refuses the request without one.
    const tenant = request.tenant as Tenant;
    const stores = storesFor(ctx, tenant);
    const { ledger, limiter } = stores;
    const canonical = readCallerRequest(caller, endpoint, request.body as Json);
    const hints = hintsFromHeaders(request.headers, runtime.loaded.routing, tenant);
    const findings = await externalFindings(runtime.loaded, tenant, canonical);
    // Where a weighted choice among equal routes draws from: one seed per request, so a re-plan draws the same.
    const seed = Math.floor(ctx.random() * 2 ** 31);
    const plan = async () => {
      const facts = { ...buildFacts(canonical, tenant, hints, await spendOf(ledger, tenant, startedMs), startedMs, { external: findings, clock: monotonicMs }), seed };
      return { facts, decision: planRoute(facts, runtime.loaded.routing, plannerView(ctx.health, limiter, startedMs)) };
    };
    let { facts, decision } = await plan();
    const tokens = worstTokens(facts);
    const size = { inputEstimate: facts.inputTokens, choices: facts.choices ?? 1, ...(facts.maxOutputTokens === undefined ? {} : { maxOutputTokens: facts.maxOutputTokens }) };
    const { admission, limited, held } = decision.denial ? {} : await admitAndReserve(stores, tenant, tokens, worstCase(decision), startedMs);
    let reservation = held;
    if (!decision.denial && !limited && !reservation && tenant.budget) {
      // The plan used a view of the spend a moment old, and the budget refused: plan again with what it reported.
      ({ facts, decision } = await plan());
      if (!decision.denial) reservation = await ledger.reserve(tenant.id, tenant.budget, worstCase(decision), startedMs);
    }
    const signal = callerGone(reply);
    let outcome: Outcome;
    try {
      outcome = decision.denial
        ? refused(denialToError(decision.denial))
        : limited
          ? refused(new GatewayError('rate_limited', `tenant ${tenant.id} is at its ${limited.limit} limit; retry in ${Math.ceil(limited.retryAfterMs / 1000)} s`, { retryAfterMs: limited.retryAfterMs }))
          : !reservation
          ? refused(new GatewayError('budget_exceeded', `tenant ${tenant.id} has no budget left for this request`))
          : await runtime.relay({ endpoint, body: canonical.body, decision, stream: facts.stream, size, signal, worstTokens: tokens, callerFormat: caller.id, ...(caller.buildCallAsIs ? { original: { format: caller.id, body: canonical.sent as Json } } : {}) });
    } catch (err) {
      // A fault of the gateway's own still answers, releases and logs like any other outcome.
      request.log.error({ err }, 'relay failed');
      outcome = refused(toGatewayError(err));
    }
    const wantsUsage = (canonical.body as Json).stream_options?.include_usage === true;
    try {
      const delivery = await respond(outcome, reply, { caller, requestId: echoedRequestId(request), decision, wantsUsage, size, signal });
      await record(stores === ctx ? ctx : { ...ctx, ...stores }, { requestId: request.id, callerRequestId: callerRequestId(request), startedMs, facts, decision, reservation, attempts: outcome.attempts, delivery, log: request.log });
    } finally {
      // Its place in flight is given back however the request ended.
      if (admission && !isRefusal(admission)) await limiter.finish(admission);
    }
    return reply;
  };
  return (request: FastifyRequest, reply: FastifyReply) => ctx.inFlight.track(handle(request, reply));
}

export function registerProxyRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('tenant', null);
  app.decorateRequest('startedMs', 0);
  // Authentication before the body is parsed or validated: an unknown caller learns nothing and costs little.
  const authenticated = {
    onRequest: async (request: FastifyRequest) => {
      request.startedMs = ctx.clock.now();
      request.tenant = authenticate(request.headers, ctx.runtime.current.loaded);
      const behind = ctx.sink.backlog();
      if (behind > (ctx.runtime.current.loaded.file.log?.max_backlog_rows ?? DEFAULT_MAX_BACKLOG_ROWS)) {
        const why = ctx.sink.problem();
        throw new GatewayError('log_backlog', `The decision log is ${behind} rows behind${why === undefined ? '' : ` (${why})`}; retry shortly.`, { retryAfterMs: 1000 });
      }
    },
  };
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const openai = WIRE_FORMATS.openai;
  typed.post('/v1/chat/completions', { schema: { body: ChatCompletionRequestSchema }, config: { callerFormat: openai, endpoint: 'chat' }, ...authenticated }, proxyHandler(ctx, 'chat', openai));
  typed.post('/v1/embeddings', { schema: { body: EmbeddingsRequestSchema }, config: { callerFormat: openai, endpoint: 'embeddings' }, ...authenticated }, proxyHandler(ctx, 'embeddings', openai));
  // Anthropic's Messages API, for Anthropic clients: the same planner and routes, answered in their format.
  // OpenAI's Responses API: to a Responses route as sent, to any other through the chat shape and back.
  typed.post('/v1/responses', { schema: { body: ResponsesRequestSchema }, config: { callerFormat: WIRE_FORMATS['openai-responses'], endpoint: 'chat' }, ...authenticated }, proxyHandler(ctx, 'chat', WIRE_FORMATS['openai-responses']));
  typed.post('/v1/messages', { schema: { body: MessagesRequestSchema }, config: { callerFormat: WIRE_FORMATS.anthropic, endpoint: 'chat' }, ...authenticated }, proxyHandler(ctx, 'chat', WIRE_FORMATS.anthropic));
}
