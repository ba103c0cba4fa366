import type { Denial } from '../engine/decision.js';
import { SwitchyardError } from '../engine/errors.js';

/** OpenAI's error types, which its SDKs map to exception classes. */
export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'api_error'
  | 'service_unavailable';

/**
 * The catalogue: every code the gateway answers with, its HTTP status and OpenAI error type. A code is
 * stable (clients and the decision log match on it); the message says what happened to this request. A
 * policy rule's own `deny` code is the one code not listed here: it is answered as `policy_denied`.
 */
const ERROR_CATALOGUE = {
  invalid_request: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'The body is not a valid request for the endpoint: `param` names the field.',
  },
  unknown_tag: {
    status: 400,
    type: 'invalid_request_error',
    meaning: '`x-switchyard-tags` names a tag the config does not define.',
  },
  header_tags_refused: {
    status: 400,
    type: 'invalid_request_error',
    meaning:
      'The tenant does not take tags from requests (`accept_header_tags: false`): its defaults and the detector decide.',
  },
  request_too_large: {
    status: 413,
    type: 'invalid_request_error',
    meaning: 'The body is over `server.body_limit_bytes`.',
  },
  headers_too_large: {
    status: 431,
    type: 'invalid_request_error',
    meaning: 'The request headers are larger than the server accepts.',
  },
  request_timeout: {
    status: 408,
    type: 'invalid_request_error',
    meaning: "The request (or its body) did not arrive within the server's time limit.",
  },
  malformed_http: { status: 400, type: 'invalid_request_error', meaning: 'The bytes are not valid HTTP/1.1.' },
  invalid_api_key: { status: 401, type: 'authentication_error', meaning: 'No tenant key, or one no tenant holds.' },
  unknown_tenant: {
    status: 401,
    type: 'authentication_error',
    meaning: 'The key names a tenant the routing config does not know.',
  },
  invalid_admin_key: { status: 401, type: 'authentication_error', meaning: 'An admin endpoint without the admin key.' },
  invalid_metrics_key: {
    status: 401,
    type: 'authentication_error',
    meaning: '`/metrics` without the metrics key, when one is set.',
  },
  admin_disabled: {
    status: 403,
    type: 'permission_error',
    meaning: 'The admin API is off: `server.admin_key` is not set.',
  },
  admin_read_only: {
    status: 403,
    type: 'permission_error',
    meaning: 'A viewer admin key (`server.admin_keys[].role: viewer`) reads and never writes.',
  },
  model_not_allowed_for_key: {
    status: 403,
    type: 'permission_error',
    meaning: "The key's own `models` list does not hold the requested model (a key narrows its tenant).",
  },
  policy_denied: {
    status: 403,
    type: 'permission_error',
    meaning: "A policy rule refused the request. A rule's own `deny` code is answered with this status and type.",
  },
  not_found: { status: 404, type: 'not_found_error', meaning: 'No such endpoint, key or tenant.' },
  defined_in_config: {
    status: 409,
    type: 'conflict_error',
    meaning: 'The tenant is defined in the config file: change it there, not through the admin API.',
  },
  already_exists: { status: 409, type: 'conflict_error', meaning: 'A tenant with this id exists already.' },
  tenant_has_keys: {
    status: 409,
    type: 'conflict_error',
    meaning: 'A tenant is not deleted while any of its keys works: revoke them first.',
  },
  key_revoked: { status: 409, type: 'conflict_error', meaning: 'A revoked key cannot be changed.' },
  model_not_found: {
    status: 404,
    type: 'not_found_error',
    meaning: 'The model does not exist, the tenant may not use it, or no route can serve or price it.',
  },
  budget_exceeded: {
    status: 429,
    type: 'insufficient_quota',
    meaning: "The tenant's daily or monthly budget cannot hold the most this request may cost.",
  },
  rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    meaning:
      "A tenant's requests or tokens per minute, or requests in flight, are at their limit; `retry-after` says when to try again.",
  },
  state_unavailable: {
    status: 429,
    type: 'rate_limit_error',
    meaning: 'The shared state (Redis) does not answer: budgets and limits fail closed.',
  },
  invalid_config: {
    status: 400,
    type: 'invalid_request_error',
    meaning: '`POST /admin/reload` found the config unusable; the previous one is still served.',
  },
  no_eligible_route: {
    status: 503,
    type: 'service_unavailable',
    meaning: 'The planner found no route that may carry the request (clearance, residency, model, policy, budget).',
  },
  routes_unavailable: {
    status: 503,
    type: 'service_unavailable',
    meaning: 'Routes may carry it, but every one of their circuits is open right now.',
  },
  log_backlog: {
    status: 503,
    type: 'service_unavailable',
    meaning: "The decision log's writer is too far behind to take another row: refused rather than served unrecorded.",
  },
  upstream_failed: {
    status: 502,
    type: 'api_error',
    meaning: 'Every route tried failed (connection, timeout, 5xx); the message lists the attempts.',
  },
  upstream_rejected: {
    status: 400,
    type: 'invalid_request_error',
    meaning:
      'An upstream refused the request itself (a 4xx the caller caused): its status is passed back, and no other route is tried.',
  },
  upstream_stream_error: {
    status: 502,
    type: 'api_error',
    meaning: 'A stream failed after it started: the answer is incomplete.',
  },
  store_not_configured: {
    status: 501,
    type: 'api_error',
    meaning: 'Keys and tenants through the admin API need a store: set `store: { path: … }` or `store: { url: … }`.',
  },
  store_unavailable: {
    status: 503,
    type: 'service_unavailable',
    meaning: 'The store does not answer: admin writes are refused; requests go on with the keys last read.',
  },
  internal_error: { status: 500, type: 'api_error', meaning: "A fault of the gateway's own; the log has the cause." },
} as const satisfies Record<string, { status: number; type: OpenAiErrorType; meaning: string }>;

/** A code the gateway answers with: `tsc` rejects any other. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Every code in the catalogue with its status, OpenAI type and what it means: `docs/errors.md` is made from this. */
export const errorCatalogue = (): readonly {
  code: ErrorCode;
  status: number;
  type: OpenAiErrorType;
  meaning: string;
}[] => (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).map((code) => ({ code, ...ERROR_CATALOGUE[code] }));

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CATALOGUE, code);

export interface GatewayErrorOptions {
  readonly param?: string | null;
  readonly cause?: unknown;
  /** Overrides the catalogue's status: an upstream's own 4xx passed back. */
  readonly status?: number;
  readonly type?: OpenAiErrorType;
  /** When trying again can succeed (a rate limit): sent as `retry-after`, in seconds. */
  readonly retryAfterMs?: number;
}

/**
 * Every error the gateway answers with: a status, OpenAI's type, a stable code, and the cause kept for the
 * log. The caller's wire format turns it into its own error body (`formats/*`); messages never hold keys or
 * prompt text. The code is one of the catalogue's, or (`fromDenial`) a policy rule's own.
 */
export class GatewayError extends SwitchyardError {
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly param: string | null;
  readonly retryAfterMs?: number;

  constructor(code: ErrorCode, message: string, options?: GatewayErrorOptions);
  /** A policy rule's own code, answered as `as` (policy_denied) is. */
  constructor(code: string, message: string, options: GatewayErrorOptions, as: ErrorCode);
  constructor(code: string, message: string, options: GatewayErrorOptions = {}, as: ErrorCode = code as ErrorCode) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    const catalogued = ERROR_CATALOGUE[as];
    this.status = options.status ?? catalogued.status;
    this.type = options.type ?? catalogued.type;
    this.param = options.param ?? null;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /**
   * A planner's denial as the error the caller sees: a catalogue code as catalogued; any other code is a
   * policy rule's own (`deny` with `code`), answered as `policy_denied` (403) with the rule's code kept.
   */
  static fromDenial(denial: Denial): GatewayError {
    const param = denial.code === 'model_not_found' ? { param: 'model' } : {};
    return isErrorCode(denial.code)
      ? new GatewayError(denial.code, denial.message, param)
      : new GatewayError(denial.code, denial.message, param, 'policy_denied');
  }

  /** OpenAI's error body. */
  toJSON() {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export const invalidRequest = (message: string, param: string | null = null) =>
  new GatewayError('invalid_request', message, { param });
export const invalidApiKey = () =>
  new GatewayError(
    'invalid_api_key',
    'Incorrect or missing API key. Send it as "Authorization: Bearer <key>" or "x-api-key".',
  );
