import { GatewayError, invalidRequest } from '../errors.js';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: { instancePath: string; message?: string; params?: { missingProperty?: string } }[];
  validationContext?: string;
}

/** `/messages/0/role` + missing `content` → `messages[0].role` (the OpenAI `param`). */
function paramOf(v: NonNullable<FastifyLikeError['validation']>[number]): string | null {
  const parts = v.instancePath.split('/').filter(Boolean);
  if (v.params?.missingProperty) parts.push(v.params.missingProperty);
  if (parts.length === 0) return null;
  return parts.reduce((p, part) => (/^\d+$/.test(part) ? `${p}[${part}]` : p ? `${p}.${part}` : part), '');
}

/** Maps anything thrown in a request (fastify's own errors included) to a `GatewayError` of the catalogue. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as FastifyLikeError;
  if (e.validation && e.validation.length > 0) {
    const first = e.validation[0]!;
    const param = paramOf(first);
    const what = param ?? e.validationContext ?? 'body';
    return invalidRequest(`Invalid request: '${what}' ${first.params?.missingProperty ? 'is required' : (first.message ?? 'is invalid')}.`, param);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('request_too_large', 'Request body is larger than this gateway accepts.', { cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalidRequest('Send the request body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('The request body is empty; send a JSON object.');
  }
  if (e.statusCode === 400 || err instanceof SyntaxError) return invalidRequest(`The request body is not valid JSON: ${e.message}`);
  if (e.statusCode === 404) return new GatewayError('not_found', e.message);
  return new GatewayError('internal_error', 'The gateway failed to handle this request; it has been logged.', { cause: err });
}
