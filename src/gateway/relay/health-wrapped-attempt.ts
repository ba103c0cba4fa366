import type { Candidate } from '../../engine/decision.js';
import type { StreamItem } from '../formats/wire-format.js';
import type { Clock } from '../state/clock.js';
import type { RouteHealthStore } from '../state/route-health-store.js';
import type { Exchange } from './exchange.js';
import type { AttemptRequest } from './send-attempt.js';

export type SendAttempt = (candidate: Candidate, req: AttemptRequest) => Promise<Exchange>;

/**
 * Circuit and latency bookkeeping around one attempt, in one place (undici's interceptor idea): asks the
 * circuit first, then reports how the attempt went — a failure, a success with its latency, or neither
 * when the caller hung up. A stream is judged when it ends, so the wrapper also wraps its rest.
 */
export function withRouteHealth(health: RouteHealthStore, clock: Clock): (send: SendAttempt) => SendAttempt {
  return (send) => async (candidate, req) => {
    const { signal } = req;
    const { route, model } = candidate;
    if (!health.tryAcquire(route)) return { kind: 'skipped' };
    const t0 = clock.now();
    const exchange = await send(candidate, req);
    switch (exchange.kind) {
      case 'failed':
        health.failed(route);
        return exchange;
      case 'aborted':
      case 'skipped':
        health.released(route);
        return exchange;
      case 'rejected':
      case 'answer':
      case 'raw-answer': {
        // A refusal of the request itself still shows the route up and answering.
        const ms = clock.now() - t0;
        health.succeeded(route, model, ms, ms);
        return exchange;
      }
      case 'stream': {
        const ttftMs = clock.now() - t0;
        const ended = {
          done: () => health.succeeded(route, model, clock.now() - t0, ttftMs),
          // A stream cut because the caller hung up says nothing about the route.
          failed: () => (signal.aborted ? health.released(route) : health.failed(route)),
          left: () => health.released(route),
        };
        return { ...exchange, rest: judged(exchange.rest, ended) };
      }
    }
  };
}

/** The rest of a stream, reporting once how it ended: done, failed, or left by the caller. */
async function* judged(
  rest: AsyncGenerator<readonly StreamItem[]>,
  on: { done(): void; failed(): void; left(): void },
): AsyncGenerator<readonly StreamItem[]> {
  let reported = false;
  try {
    yield* rest;
    reported = true;
    on.done();
  } catch (err) {
    reported = true;
    on.failed();
    throw err;
  } finally {
    if (!reported) on.left();
  }
}
