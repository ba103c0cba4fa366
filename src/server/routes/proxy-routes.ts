import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlanRequest } from '../../engine/planner.js';
import type { Tenant } from '../../engine/routing-config.js';
import type { Endpoint } from '../adapters/upstream-adapter.js';
import { authenticate } from '../auth.js';
import { hintsFromHeaders } from '../caller-hints.js';
import { denialToError } from '../errors.js';
import { servedHeaders, type Gateway } from '../gateway.js';
import { ChatCompletionRequestSchema, EmbeddingsRequestSchema } from '../openai-schema.js';
import { planChatRequest, planEmbeddingsRequest, type CallerHints } from '../plan-request.js';

type Planner = (body: never, tenant: Tenant, hints: CallerHints, nowMs: number) => PlanRequest;

/** Aborts when the caller hangs up before its response is finished. */
function callerGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

/** Auth → hints → planner → forward, for one OpenAI endpoint. One structured log line per request. */
function proxyHandler(gateway: Gateway, endpoint: Endpoint, toPlan: Planner) {
  return async (request: FastifyRequest<{ Body: Record<string, unknown> }>, reply: FastifyReply) => {
    const runtime = gateway.current;
    const tenant = authenticate(request.headers, runtime);
    const hints = hintsFromHeaders(request.headers);
    const body = request.body;
    const plan = toPlan(body as never, tenant, hints, gateway.now());
    const decision = gateway.plan(plan, runtime);
    if (decision.denial) {
      request.log.info({ tenant: tenant.id, model: plan.model, tags: decision.tags, rules: decision.rulesFired, denial: decision.denial.code }, 'denied');
      throw denialToError(decision.denial);
    }
    const stream = endpoint === 'chat' && body.stream === true;
    const result = await runtime.forwarder.forward({
      endpoint,
      body,
      decision,
      stream,
      reply,
      signal: callerGone(reply),
      headersFor: (served) => servedHeaders(request.id, decision, served),
    });
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
        stream,
        status: result.status,
        attempts: result.attempts,
        ttft_ms: result.ttftMs,
        total_ms: result.totalMs,
      },
      'request',
    );
    return reply;
  };
}

export function registerProxyRoutes(app: FastifyInstance, gateway: Gateway): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.post('/v1/chat/completions', { schema: { body: ChatCompletionRequestSchema } }, proxyHandler(gateway, 'chat', planChatRequest as Planner));
  typed.post('/v1/embeddings', { schema: { body: EmbeddingsRequestSchema } }, proxyHandler(gateway, 'embeddings', planEmbeddingsRequest as Planner));
}
