import type { Json, StreamItem } from '../formats/wire-format.js';
import type { MeteredUsage } from './usage.js';

/**
 * How one attempt at one route went, as far as the relay reads it: a whole answer, a stream whose first
 * items arrived (the rest still to come), a refusal the caller caused, a failure worth the next route, or
 * nothing at all because the caller hung up or the circuit let no attempt through.
 */
export type Exchange =
  | { readonly kind: 'answer'; readonly answer: Json }
  /** An OpenAI route's answer to an OpenAI caller: its bytes as they came, and its usage read (and checked) from them. */
  | { readonly kind: 'raw-answer'; readonly text: string; readonly usage: MeteredUsage }
  | { readonly kind: 'stream'; readonly first: readonly StreamItem[]; readonly rest: AsyncGenerator<readonly StreamItem[]> }
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string }
  | { readonly kind: 'failed'; readonly failure: number | string; readonly retryAfterMs?: number }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'skipped' };

/** One try of one route, as logged and as told in a 502. */
export interface Attempt {
  readonly route: string;
  /** HTTP status, or what went wrong: `connect`, `timeout`, `reset`, `empty`, `bad_body`, `skipped`, `rate_limit`, `aborted`, `unsupported`. */
  readonly status: number | string;
  readonly ms: number;
}
