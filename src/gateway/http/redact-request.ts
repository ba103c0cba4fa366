import { redactBody } from '../../engine/redact-body.js';
import type { Masking } from '../../engine/redaction.js';
import type { CanonicalRequest } from '../../engine/request-facts.js';
import type { Tenant } from '../../engine/routing-config.js';
import type { Json, WireFormat } from '../formats/wire-format.js';
import { readCallerRequest } from './caller-request.js';

/** A request's redaction, in its memory only: what was masked (never logged, stored, cached or sent). */
export interface RequestRedaction {
  readonly masking: Masking;
  /** The kinds to plan with, after masking, by the invariants of `src/engine/redaction.ts`. */
  readonly scanned: readonly string[];
  /** Put the original values back into the answer. */
  readonly restore: boolean;
}

/** The detector's clock for its time limit: monotonic, unlike the gateway's (which a test may set). */
const monotonicMs = () => performance.now();

/**
 * The redact step, for a tenant with `redaction`: the caller's body masked and read again in the caller's format, so
 * what is planned, what is sent (as it is or translated) and what the scan read are one body.
 */
export async function redactRequest(
  tenant: Tenant,
  caller: WireFormat,
  canonical: CanonicalRequest,
): Promise<{ canonical: CanonicalRequest; redaction?: RequestRedaction }> {
  if (!tenant.redaction) return { canonical };
  const redacted = await redactBody(canonical.sent, tenant.redaction.kinds, tenant.scanLimits, monotonicMs);
  const masked =
    redacted.masking.count === 0 ? canonical : readCallerRequest(caller, canonical.endpoint, redacted.body as Json);
  return {
    canonical: masked,
    redaction: { masking: redacted.masking, scanned: redacted.scanned, restore: tenant.redaction.restore },
  };
}
