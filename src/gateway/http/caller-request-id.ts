import type { FastifyRequest } from 'fastify';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The caller's own `x-request-id`, when it is a sane one: kept in the log row's `caller_request_id` and
 * echoed back. It is never the row's id: a caller could reuse one, and the ledger's restore counts each
 * request once by the gateway's own id (`request.id`, always a fresh UUID).
 */
export function callerRequestId(request: FastifyRequest): string | undefined {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : undefined;
}

/** The id the caller gets back in `x-request-id`: its own when it sent one, else the gateway's. */
export const echoedRequestId = (request: FastifyRequest): string => callerRequestId(request) ?? request.id;
