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
 * The catalogue: every code the gateway answers with, its HTTP status and OpenAI error type. A code is
 * stable (clients and the decision log match on it); the message says what happened to this request.
 */
const ERROR_CATALOGUE = {
  invalid_request: [400, 'invalid_request_error'],
  unsupported_endpoint: [400, 'invalid_request_error'],
  unknown_tag: [400, 'invalid_request_error'],
  header_tags_refused: [400, 'invalid_request_error'],
  request_too_large: [413, 'invalid_request_error'],
  headers_too_large: [431, 'invalid_request_error'],
  request_timeout: [408, 'invalid_request_error'],
  malformed_http: [400, 'invalid_request_error'],
  invalid_api_key: [401, 'authentication_error'],
  unknown_tenant: [401, 'authentication_error'],
  invalid_admin_key: [401, 'authentication_error'],
  invalid_metrics_key: [401, 'authentication_error'],
  admin_disabled: [403, 'permission_error'],
  policy_denied: [403, 'permission_error'],
  not_found: [404, 'not_found_error'],
  model_not_found: [404, 'not_found_error'],
  budget_exceeded: [429, 'insufficient_quota'],
  /** A tenant's requests or tokens per minute, or requests in flight, are at their limit. */
  rate_limited: [429, 'rate_limit_error'],
  /** The shared state (Redis) does not answer: budgets fail closed. */
  state_unavailable: [429, 'rate_limit_error'],
  invalid_config: [400, 'invalid_request_error'],
  /** The planner found no route that may carry the request (clearance, model, policy, budget). */
  no_eligible_route: [503, 'service_unavailable'],
  /** Routes may carry it, but every one of their circuits is open right now. */
  routes_unavailable: [503, 'service_unavailable'],
  /** The decision log's writer is too far behind to take another row: refused rather than served unrecorded. */
  log_backlog: [503, 'service_unavailable'],
  upstream_failed: [502, 'api_error'],
  upstream_stream_error: [502, 'api_error'],
  internal_error: [500, 'api_error'],
} as const satisfies Record<string, readonly [number, OpenAiErrorType]>;

export interface GatewayErrorOptions {
  readonly param?: string | null;
  readonly cause?: unknown;
  /** Overrides the catalogue's status: an upstream's own 4xx passed back, or a policy rule's code. */
  readonly status?: number;
  readonly type?: OpenAiErrorType;
  /** When trying again can succeed (a rate limit): sent as `retry-after`, in seconds. */
  readonly retryAfterMs?: number;
}

/**
 * Every error the gateway answers with: a status, OpenAI's type, a stable code, and the cause kept for the
 * log. The caller's wire format turns it into its own error body (`formats/*`); messages never hold keys or
 * prompt text.
 */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly param: string | null;

  constructor(
    readonly code: string,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const [status, type] = (ERROR_CATALOGUE as Record<string, readonly [number, OpenAiErrorType]>)[code] ?? ERROR_CATALOGUE.policy_denied;
    this.name = 'GatewayError';
    this.status = options.status ?? status;
    this.type = options.type ?? type;
    this.param = options.param ?? null;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  readonly retryAfterMs?: number;

  /** OpenAI's error body. */
  toJSON() {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export const invalidRequest = (message: string, param: string | null = null) => new GatewayError('invalid_request', message, { param });
export const invalidApiKey = () => new GatewayError('invalid_api_key', 'Incorrect or missing API key. Send it as "Authorization: Bearer <key>" or "x-api-key".');

/** A planner's denial as the error the caller sees: an unknown code is a policy rule's own (403). */
export function denialToError(denial: Denial): GatewayError {
  return new GatewayError(denial.code, denial.message, denial.code === 'model_not_found' ? { param: 'model' } : {});
}
