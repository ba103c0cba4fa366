import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Decision } from '../../engine/decision.js';
import type { PlanRequest } from '../../engine/planner.js';
import type { Tenant } from '../../engine/routing-config.js';
import type { LogRow } from '../../duckdb/log-schema.js';
import type { Endpoint } from '../adapters/upstream-adapter.js';
import { authenticate } from '../auth.js';
import { hintsFromHeaders } from '../caller-hints.js';
import { denialToError, type GatewayError } from '../errors.js';
import { createMessagesStreamTranslator, toAnthropicResponse, toOpenAiRequest } from '../anthropic/anthropic-to-openai.js';
import { MessagesRequestSchema, type MessagesRequest } from '../anthropic/messages-schema.js';
import type { ForwardResult, ResponseTranslation } from '../forward.js';
import { servedHeaders, type Gateway } from '../gateway.js';
import { ChatCompletionRequestSchema, EmbeddingsRequestSchema } from '../openai-schema.js';
import { planChatRequest, planEmbeddingsRequest, type CallerHints } from '../plan-request.js';

type Planner = (body: never, tenant: Tenant, hints: CallerHints, nowMs: number) => PlanRequest;

/** A caller that speaks another format: its request as OpenAI's, and the answer back in its own. */
interface Inbound {
  toOpenAi(body: never): Record<string, unknown>;
  readonly respondAs: ResponseTranslation;
}

const ANTHROPIC_INBOUND: Inbound = {
  toOpenAi: (body: MessagesRequest) => toOpenAiRequest(body),
  respondAs: { body: toAnthropicResponse, createStream: createMessagesStreamTranslator },
};

/** Aborts when the caller hangs up before its response is finished. */
function callerGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** The most any of the decision's routes can cost: what the budget holds while the request is in flight. */
function reservationFor(decision: Decision): bigint {
  let max = 0;
  for (const c of decision.candidates) if (c.maxCostPico > max) max = c.maxCostPico;
  return BigInt(max);
}

function logRow(requestId: string, startedMs: number, plan: PlanRequest, decision: Decision, result: Partial<ForwardResult>, error: GatewayError | undefined): LogRow {
  const served = result.served;
  const usage = result.usage;
  return {
    ts: startedMs,
    requestId,
    tenant: plan.tenant,
    endpoint: plan.endpoint,
    requestedModel: plan.model,
    model: decision.model,
    ...(served ? { upstreamModel: served.upstreamModel, route: served.route, routeKind: served.kind } : {}),
    tags: decision.tags,
    sensitivity: decision.sensitivity,
    rules: decision.rulesFired,
    stream: plan.stream,
    status: result.status ?? error?.status ?? 500,
    ...(error ? { errorCode: error.code } : result.status === 499 ? { errorCode: 'client_closed' } : {}),
    attempts: result.attempts ?? [],
    ...(result.ttftMs === undefined ? {} : { ttftMs: result.ttftMs }),
    latencyMs: result.totalMs ?? 0,
    inputTokens: usage?.input ?? 0,
    outputTokens: usage?.output ?? 0,
    cachedTokens: usage?.cachedInput ?? 0,
    reasoningTokens: usage?.reasoning ?? 0,
    costPico: result.costPico ?? 0n,
    estimated: usage?.estimated ?? false,
  };
}

/**
 * Auth → hints → planner (with the tenant's spend) → reserve the most the request can cost → forward →
 * settle what it did cost, or release → one decision-log row, metrics and one log line. Every reservation
 * is settled or released, whatever happens to the request.
 */
function proxyHandler(gateway: Gateway, endpoint: Endpoint, toPlan: Planner, inbound?: Inbound) {
  return async (request: FastifyRequest<{ Body: Record<string, unknown> }>, reply: FastifyReply) => {
    const startedMs = gateway.now();
    const runtime = gateway.current;
    const tenant = authenticate(request.headers, runtime);
    const body = inbound ? inbound.toOpenAi(request.body as never) : request.body;
    const plan: PlanRequest = { ...toPlan(body as never, tenant, hintsFromHeaders(request.headers), startedMs), spend: gateway.ledger.spend(tenant.id, startedMs) };
    const decision = gateway.plan(plan, runtime);
    const refuse = (error: GatewayError) => {
      gateway.metrics.denied.inc({ code: error.code });
      gateway.log.record(logRow(request.id, startedMs, plan, decision, {}, error));
      request.log.info({ tenant: tenant.id, model: plan.model, tags: decision.tags, rules: decision.rulesFired, status: error.status, code: error.code }, 'refused');
      return error;
    };
    if (decision.denial) throw refuse(denialToError(decision.denial));
    const reservation = gateway.ledger.reserve(tenant.id, tenant.budget, reservationFor(decision), startedMs);
    if (!reservation) throw refuse(denialToError({ code: 'budget_exceeded', message: `tenant ${tenant.id} has no budget left for this request` }));

    let result: ForwardResult;
    try {
      result = await runtime.forwarder.forward({
        endpoint,
        body,
        decision,
        stream: endpoint === 'chat' && body.stream === true,
        reply,
        signal: callerGone(reply),
        headersFor: (served) => servedHeaders(request.id, decision, served),
        inputEstimate: plan.inputTokens,
        ...(inbound ? { respondAs: inbound.respondAs } : {}),
      });
    } catch (err) {
      gateway.ledger.release(reservation, gateway.now());
      throw err;
    }
    if (result.served && result.costPico !== undefined) gateway.ledger.settle(reservation, result.costPico, result.served.route, gateway.now());
    else gateway.ledger.release(reservation, gateway.now());

    const error = result.error;
    gateway.log.record(logRow(request.id, startedMs, plan, decision, result, error));
    const route = result.served?.route ?? 'none';
    gateway.metrics.requests.inc({ route, kind: result.served?.kind ?? 'none', status: String(result.status) });
    if (result.served) {
      gateway.metrics.latency.observe({ route }, result.totalMs / 1000);
      if (plan.stream && result.ttftMs !== undefined) gateway.metrics.ttft.observe({ route }, result.ttftMs / 1000);
      if (result.usage) {
        gateway.metrics.tokens.inc({ route, type: 'input' }, result.usage.input);
        gateway.metrics.tokens.inc({ route, type: 'output' }, result.usage.output);
        gateway.metrics.tokens.inc({ route, type: 'cached' }, result.usage.cachedInput ?? 0);
      }
      if (result.costPico) gateway.metrics.cost.inc({ tenant: tenant.id, route }, Number(result.costPico) / 1e12);
    }
    request.log.info(
      {
        tenant: tenant.id,
        model: plan.model,
        served_model: result.served?.upstreamModel,
        route: result.served?.route,
        kind: result.served?.kind,
        tags: decision.tags,
        sensitivity: decision.sensitivity,
        rules: decision.rulesFired,
        stream: plan.stream,
        status: result.status,
        code: error?.code,
        attempts: result.attempts,
        ttft_ms: result.ttftMs,
        total_ms: result.totalMs,
      },
      'request',
    );
    // A failure before any byte reached the caller is answered here, in OpenAI's shape.
    if (error && !reply.sent && !reply.raw.headersSent) throw error;
    return reply;
  };
}

export function registerProxyRoutes(app: FastifyInstance, gateway: Gateway): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.post('/v1/chat/completions', { schema: { body: ChatCompletionRequestSchema } }, proxyHandler(gateway, 'chat', planChatRequest as Planner));
  typed.post('/v1/embeddings', { schema: { body: EmbeddingsRequestSchema } }, proxyHandler(gateway, 'embeddings', planEmbeddingsRequest as Planner));
  // Anthropic's Messages API, for Anthropic clients: the same planner and routes, answered in their format.
  typed.post('/v1/messages', { schema: { body: MessagesRequestSchema } }, proxyHandler(gateway, 'chat', planChatRequest as Planner, ANTHROPIC_INBOUND));
}
