import type { Denial } from '../engine/decision.js';

/** OpenAI's error types, which its SDKs map to exception classes. */
export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'api_error'
  | 'service_unavailable';

/**
 * Every error the gateway answers with: a status, OpenAI's type, a stable code. The one error handler turns
 * it into `{"error":{"message","type","code","param"}}`; messages never hold keys or prompt text.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: OpenAiErrorType,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  toJSON() {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export const invalidRequest = (message: string, param: string | null = null) => new GatewayError(400, 'invalid_request_error', 'invalid_request', message, param);
export const invalidApiKey = () => new GatewayError(401, 'authentication_error', 'invalid_api_key', 'Incorrect or missing API key. Send it as "Authorization: Bearer <key>" or "x-api-key".');

const DENIAL_STATUS: Readonly<Record<string, [number, OpenAiErrorType]>> = {
  model_not_found: [404, 'not_found_error'],
  budget_exceeded: [429, 'insufficient_quota'],
  no_eligible_route: [503, 'service_unavailable'],
  unknown_tenant: [401, 'authentication_error'],
};

/** A planner's denial as the error the caller sees: policy denials are 403 with the rule's own code. */
export function denialToError(denial: Denial): GatewayError {
  const [status, type] = DENIAL_STATUS[denial.code] ?? [403, 'permission_error'];
  return new GatewayError(status, type, denial.code, denial.message, denial.code === 'model_not_found' ? 'model' : null);
}

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

/** Maps anything thrown in a request to a `GatewayError`: the one place where errors get their shape. */
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
      return new GatewayError(413, 'invalid_request_error', 'request_too_large', 'Request body is larger than this gateway accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalidRequest('Send the request body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('The request body is empty; send a JSON object.');
  }
  if (e.statusCode === 400 || err instanceof SyntaxError) return invalidRequest(`The request body is not valid JSON: ${e.message}`);
  if (e.statusCode === 404) return new GatewayError(404, 'not_found_error', 'not_found', e.message);
  return new GatewayError(500, 'api_error', 'internal_error', 'The gateway failed to handle this request; it has been logged.');
}
