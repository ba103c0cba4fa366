import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../errors.js';

/** Deeper than any real request (a tool schema nests a dozen levels); deep enough to stop a stack-walk DoS. */
export const MAX_JSON_DEPTH = 64;

/** How deeply a JSON text nests objects and arrays, in one pass over its characters (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * JSON bodies through fastify's own parser (prototype-poisoning checks included), after a depth check:
 * a body nested thousands deep is a 400, not a stack overflow in some later walk over it.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepth(body as string) > MAX_JSON_DEPTH) {
      done(
        invalidRequest(`The request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels.`),
        undefined,
      );
      return;
    }
    parse(request, body as string, done);
  });
}
