import type { Json, StreamItem } from '../formats/wire-format.js';
import type { MeteredUsage } from './usage.js';

/**
 * Why an attempt got no usable answer, when no HTTP status says it: no connection (`connect`), a timeout
 * (`timeout`), the route's total deadline (`deadline`), the connection dropped (`reset`), an answer over the
 * size limit (`too_large`), not in the route's format (`bad_body`), a stream that ended before its first
 * event (`empty`), or no credential to sign or authorise it with (`credentials`).
 */
export type AttemptFailure =
  'connect' | 'timeout' | 'deadline' | 'reset' | 'too_large' | 'bad_body' | 'empty' | 'credentials';

/**
 * An attempt the gateway did not make or finish: the circuit let none through (`skipped`), the route's own
 * rate limit was reached (`rate_limit`), the caller hung up (`aborted`), the route's format cannot carry the
 * endpoint (`unsupported`).
 */
export type AttemptSkip = 'skipped' | 'rate_limit' | 'aborted' | 'unsupported';

/**
 * How one attempt at one route went, as far as the relay reads it: a whole answer, a stream whose first
 * items arrived (the rest still to come), a refusal the caller caused, a failure worth the next route, or
 * nothing at all because the caller hung up or the circuit let no attempt through.
 */
export type Exchange =
  | { readonly kind: 'answer'; readonly answer: Json }
  /**
   * An OpenAI route's answer to an OpenAI caller: its bytes as they came, and its usage read (and checked) from them.
   */
  | { readonly kind: 'raw-answer'; readonly text: string; readonly usage: MeteredUsage }
  | {
      readonly kind: 'stream';
      readonly first: readonly StreamItem[];
      readonly rest: AsyncGenerator<readonly StreamItem[]>;
    }
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string }
  | { readonly kind: 'failed'; readonly failure: number | AttemptFailure; readonly retryAfterMs?: number }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'skipped' };

/** One try of one route, as logged and as told in a 502. */
export interface Attempt {
  readonly route: string;
  /** The upstream's HTTP status, or why there is none. */
  readonly status: number | AttemptFailure | AttemptSkip;
  readonly ms: number;
}
