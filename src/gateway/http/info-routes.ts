import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decisionToJson } from '../../engine/decision-view.js';
import { ChatCompletionRequestSchema } from '../../engine/request-schema.js';
import type { AppContext } from '../app-context.js';
import { authenticate } from './auth.js';
import { readCallerRequest } from './caller-request.js';
import { planInput, planRequest } from './plan-request.js';
import { redactRequest } from './redact-request.js';
import { Type } from '@sinclair/typebox';
import { WIRE_FORMATS } from '../formats/registry.js';
import { ResponsesRequestSchema } from '../formats/responses/responses-schema.js';

/** Endpoints that answer from the gateway itself: models, explain, liveness and readiness. */
export function registerInfoRoutes(app: FastifyInstance, ctx: AppContext): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get('/v1/models', async (request) => {
    const { loaded } = ctx.runtime.current;
    const { tenant, key } = authenticate(request.headers, loaded, ctx.store, ctx.clock.now());
    const served = new Set<string>();
    for (const route of loaded.routing.routes) if (route.models !== '*') for (const m of route.models) served.add(m);
    const ids = [...served]
      .filter((m) => (!tenant.models || tenant.models.has(m)) && (!key?.models || key.models.includes(m)))
      .sort();
    return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'switchyard' })) };
  });

  // The decision for a chat request, from the same body, headers and spend as the real request, without
  // calling any upstream: explain and the request always agree, budget included.
  // A Responses body (`input` instead of `messages`) is explained as the chat request it becomes.
  typed.post(
    '/v1/route/explain',
    { schema: { body: Type.Union([ChatCompletionRequestSchema, ResponsesRequestSchema]) } },
    async (request) => {
      const { loaded } = ctx.runtime.current;
      const now = ctx.clock.now();
      const caller = authenticate(request.headers, loaded, ctx.store, now);
      const format = 'input' in request.body ? WIRE_FORMATS['openai-responses'] : WIRE_FORMATS.openai;
      const read = readCallerRequest(format, 'chat', request.body);
      const { canonical, redaction } = caller.tenant.redaction
        ? await redactRequest(caller.tenant, format, read)
        : { canonical: read };
      const input = await planInput(ctx, request, caller, canonical, redaction);
      const { facts, decision } = await planRequest(ctx, input, now);
      const masking = redaction?.masking;
      return {
        ...decisionToJson(decision),
        tenant: caller.tenant.id,
        input_tokens: facts.inputTokens,
        ...(masking && masking.count > 0
          ? { redacted: { count: masking.count, kinds: [...masking.kinds].sort() } }
          : {}),
      };
    },
  );

  typed.get('/health', async () => ({ status: 'ok' }));

  typed.get('/ready', async (_request, reply) => {
    const routes = ctx.runtime.current.loaded.routing.routes;
    const healthy = routes.filter((r) => ctx.health.circuitState(r.id) !== 'open').map((r) => r.id);
    // With the shared state away, budgeted requests fail closed but the rest are still served: degraded, not
    // unready — every instance loses Redis at once, and a balancer pulling them all would stop everything.
    const store = ctx.ledger.ready() ? 'up' : 'down';
    const logProblem = ctx.sink.problem();
    const problems = [
      ...ctx.ledger.problems(),
      ...(logProblem === undefined
        ? []
        : [`log: ${logProblem}; rows wait in memory (the 200 ms durability window does not hold)`]),
      ...(ctx.store && !ctx.store.ready() ? ['store: down; keys are served as last read, admin writes refused'] : []),
    ];
    const status =
      healthy.length === 0 ? 'no_healthy_route' : store === 'down' || problems.length > 0 ? 'degraded' : 'ready';
    const body = {
      status,
      routes_healthy: healthy.length,
      routes_total: routes.length,
      state_store: store,
      ...(ctx.store ? { store: ctx.store.ready() ? 'up' : 'down' } : {}),
      ...(problems.length > 0 ? { problems } : {}),
    };
    return reply.code(healthy.length > 0 ? 200 : 503).send(body);
  });
}
