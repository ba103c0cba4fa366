import { GatewayError, invalidRequest } from '../errors.js';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: ValidationIssue[];
  validationContext?: string;
}

interface ValidationIssue {
  instancePath: string;
  keyword?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
}

/**
 * The issue worth telling the caller: the deepest one. A field that may be a string or a list reports one
 * issue per alternative plus a summary; the deepest names the field that is actually wrong.
 */
function mostSpecific(issues: readonly ValidationIssue[]): ValidationIssue {
  const named = (v: ValidationIssue) => v.params?.missingProperty ?? v.params?.additionalProperty;
  const depth = (v: ValidationIssue) => v.instancePath.split('/').length + (named(v) ? 1 : 0);
  const real = issues.filter((v) => v.keyword !== 'anyOf' && v.keyword !== 'if' && v.keyword !== 'allOf');
  return (real.length > 0 ? real : issues).reduce((best, v) => (depth(v) > depth(best) ? v : best));
}

/** `/messages/0/role` + missing (or unknown) `content` → `messages[0].role` (the OpenAI `param`). */
function paramOf(v: ValidationIssue): string | null {
  const parts = v.instancePath.split('/').filter(Boolean);
  const named = v.params?.missingProperty ?? v.params?.additionalProperty;
  if (named) parts.push(named);
  if (parts.length === 0) return null;
  return parts.reduce((p, part) => (/^\d+$/.test(part) ? `${p}[${part}]` : p ? `${p}.${part}` : part), '');
}

/** Maps anything thrown in a request (fastify's own errors included) to a `GatewayError` of the catalogue. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as FastifyLikeError;
  if (e.validation && e.validation.length > 0) {
    const first = mostSpecific(e.validation);
    const param = paramOf(first);
    const what = param ?? e.validationContext ?? 'body';
    const problem = first.params?.missingProperty
      ? 'is required'
      : first.params?.additionalProperty
        ? 'is not a field this endpoint takes'
        : (first.message ?? 'is invalid');
    return invalidRequest(`Invalid request: '${what}' ${problem}.`, param);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('request_too_large', 'Request body is larger than this gateway accepts.', { cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalidRequest('Send the request body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('The request body is empty; send a JSON object.');
  }
  // Only fastify's own parse errors carry a 400: a SyntaxError thrown inside the gateway is the gateway's fault.
  if (e.statusCode === 400) return invalidRequest(`The request body is not valid JSON: ${e.message}`);
  if (e.statusCode === 404) return new GatewayError('not_found', e.message);
  return new GatewayError('internal_error', 'The gateway failed to handle this request; it has been logged.', {
    cause: err,
  });
}
