import type { GatewayRoute } from '../../config/config-schema.js';
import type { AttemptFailure } from './exchange.js';

type RetryPolicy = NonNullable<GatewayRoute['retries']>;

/** What is worth sending to the same route again: it was busy or broken for a moment, not misconfigured. */
const transient = (failure: number | AttemptFailure) =>
  failure === 429 ||
  failure === 408 ||
  (typeof failure === 'number' && failure >= 500) ||
  failure === 'connect' ||
  failure === 'reset' ||
  failure === 'timeout';

/**
 * How long to wait before trying the same route again after a failed attempt, or undefined to move on: the
 * retries are used up, the failure is not transient, or the wait (the upstream's `retry-after`, else the
 * backoff doubled each time up to its cap, half of it jitter) would not end before the route's deadline.
 */
export function retryWait(
  policy: RetryPolicy,
  retry: number,
  failed: { failure: number | AttemptFailure; retryAfterMs?: number },
  leftMs: number,
  random: () => number,
): number | undefined {
  if (retry >= policy.max || !transient(failed.failure)) return undefined;
  const backoff = Math.min(policy.max_backoff_ms, policy.backoff_ms * 2 ** retry);
  const wait = failed.retryAfterMs ?? backoff / 2 + (random() * backoff) / 2;
  return wait < leftMs ? Math.round(wait) : undefined;
}
