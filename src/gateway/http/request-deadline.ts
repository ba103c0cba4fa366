import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';
import { GatewayError } from '../errors.js';
import { WIRE_FORMATS } from '../formats/registry.js';
import { recordRefusedAtEdge } from './edge-refusal.js';
import { respondError } from './respond.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Fires when the body has not fully arrived in time. */
    bodyDeadline?: NodeJS.Timeout;
  }
}

/**
 * The whole request must arrive within `ms` of its headers: a body sent a byte a second (slow-loris) is
 * answered 408 in the caller's shape and its connection closed, instead of holding a socket and a buffer
 * for minutes. (Node's own `requestTimeout` stops applying once the headers are in and the request is
 * dispatched.)
 */
export function registerRequestDeadline(app: FastifyInstance, ctx: AppContext, ms: number): void {
  app.addHook('onRequest', async (request, reply) => {
    request.bodyDeadline = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return;
      const error = new GatewayError(
        'request_timeout',
        `The request body did not arrive within ${ms} ms; send the whole request at once.`,
      );
      recordRefusedAtEdge(ctx, request, error);
      reply.header('connection', 'close');
      reply.raw.once('finish', () => request.raw.destroy());
      respondError(reply, request.routeOptions.config.callerFormat ?? WIRE_FORMATS.openai, request.id, error);
    }, ms);
    request.bodyDeadline.unref();
  });
  const clear = async (request: { bodyDeadline?: NodeJS.Timeout }) => clearTimeout(request.bodyDeadline);
  app.addHook('preValidation', clear);
  app.addHook('onResponse', clear);
}
