import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { decisionToJson } from '../../engine/decision-view.js';
import { authenticate } from '../auth.js';
import { hintsFromHeaders } from '../caller-hints.js';
import type { Gateway } from '../gateway.js';
import { ChatCompletionRequestSchema, type ChatCompletionRequest } from '../openai-schema.js';
import { planChatRequest } from '../plan-request.js';

/** Endpoints that answer from the gateway itself: models, explain, liveness and readiness. */
export function registerInfoRoutes(app: FastifyInstance, gateway: Gateway): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get('/v1/models', async (request) => {
    const runtime = gateway.current;
    const tenant = authenticate(request.headers, runtime);
    const served = new Set<string>();
    for (const route of runtime.loaded.routing.routes) if (route.models !== '*') for (const m of route.models) served.add(m);
    const ids = [...served].filter((m) => !tenant.models || tenant.models.has(m)).sort();
    return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'switchyard' })) };
  });

  // The decision for a chat request, from the same body and headers, without calling any upstream.
  typed.post('/v1/route/explain', { schema: { body: ChatCompletionRequestSchema } }, async (request) => {
    const runtime = gateway.current;
    const tenant = authenticate(request.headers, runtime);
    const plan = planChatRequest(request.body as ChatCompletionRequest, tenant, hintsFromHeaders(request.headers), gateway.now());
    return { ...decisionToJson(gateway.plan(plan, runtime)), tenant: tenant.id, input_tokens: plan.inputTokens };
  });

  typed.get('/health', async () => ({ status: 'ok' }));

  typed.get('/ready', async (_request, reply) => {
    const routes = gateway.current.loaded.routing.routes;
    const healthy = routes.filter((r) => gateway.health.circuitState(r.id) !== 'open').map((r) => r.id);
    return reply.code(healthy.length > 0 ? 200 : 503).send({ status: healthy.length > 0 ? 'ready' : 'no_healthy_route', routes_healthy: healthy.length, routes_total: routes.length });
  });
}
