import type { Candidate, Decision } from '../engine/decision.js';
import type { RequestFacts } from '../engine/request-facts.js';
import type { GatewayError } from './errors.js';
import type { Json, StreamItem } from './formats/wire-format.js';
import type { Attempt } from './relay/exchange.js';
import type { Metered } from './relay/meter.js';
import type { Admission } from './state/rate-limiter.js';
import type { Reservation } from './state/spend-ledger.js';

// What one proxy request carries from step to step (plan → reserve → relay → respond → record). Neutral
// ground: the steps import these from here, never from each other's folders.

/** The facts a request was planned from and the decision made on them. */
export interface Planned {
  readonly facts: RequestFacts;
  readonly decision: Decision;
}

/**
 * What a request holds before it is relayed: the plan it goes with, its budget reservation and its place in
 * flight — or why it may not go. `record` gives back whatever it holds, however the request ended.
 */
export interface Hold {
  readonly planned: Planned;
  /** Its tenant's reservation, and its virtual key's when it came with one. */
  readonly reservations: readonly Reservation[];
  /** Its places in flight: its tenant's and its key's, for those with limits. */
  readonly admissions: readonly Admission[];
  readonly refusal?: GatewayError;
}

/** How the relay ended: what `respond` writes and `record` books. The relay itself never writes to the caller. */
export type Outcome =
  | {
      readonly kind: 'answer';
      readonly served: Candidate;
      readonly answer: Json;
      readonly metered: Metered;
      readonly attempts: readonly Attempt[];
      readonly ttftMs: number;
    }
  /** An answer to pass on as it came (`text`): the caller and the route speak OpenAI's format. */
  | {
      readonly kind: 'raw-answer';
      readonly served: Candidate;
      readonly text: string;
      readonly metered: Metered;
      readonly attempts: readonly Attempt[];
      readonly ttftMs: number;
    }
  | {
      readonly kind: 'stream';
      readonly served: Candidate;
      readonly first: readonly StreamItem[];
      readonly rest: AsyncGenerator<readonly StreamItem[]>;
      readonly attempts: readonly Attempt[];
      readonly ttftMs: number;
    }
  | { readonly kind: 'failed'; readonly error: GatewayError; readonly attempts: readonly Attempt[] }
  | { readonly kind: 'aborted'; readonly attempts: readonly Attempt[] };

/** What the caller got, for `record`. */
export interface Delivery {
  /** The status the caller got: 499 when it hung up first. */
  readonly status: number;
  readonly served?: Candidate;
  /** Why the caller got no (whole) answer: before any byte, or `upstream_stream_error` in the middle. */
  readonly error?: GatewayError;
  /** What the served part cost: the whole answer, or what was relayed of a stream before it ended. */
  readonly metered?: Metered;
  readonly ttftMs?: number;
}
