import type { FastifyRequest } from 'fastify';
import type { GatewayError } from '../errors.js';
import { recordEdgeRefusal, type RecordDeps } from '../record/record.js';
import { callerRequestId } from './caller-request-id.js';

/**
 * Books a request refused before planning (its body, its headers, its pace) when its caller is known:
 * the log row and metrics `record` keeps for every request. Unknown callers get no row.
 */
export function recordRefusedAtEdge(deps: RecordDeps, request: FastifyRequest, error: GatewayError): void {
  if (!request.tenant) return;
  const model = (request.body as { model?: unknown } | undefined)?.model;
  recordEdgeRefusal(deps, {
    requestId: request.id,
    callerRequestId: callerRequestId(request),
    keyId: request.apiKey?.id,
    startedMs: request.startedMs,
    tenant: request.tenant.id,
    endpoint: request.routeOptions.config.endpoint ?? 'chat',
    model: typeof model === 'string' && model.length <= 256 ? model : '',
    error,
  });
}
