import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Cancel } from './cancel.js';

/** An upstream's answer read whole: its status, headers and up to `limit` bytes of its body as text. */
export interface WholeAnswer {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body was longer than the limit (or said so in `content-length`): the rest was not read. */
  readonly overflow: boolean;
}

/** Why the gateway stopped a call itself: the caller left or the deadline passed (the attempt says which). */
const cancelled = () => Object.assign(new Error('cancelled'), { code: 'UND_ERR_ABORTED' });

/**
 * One call whose answer is read whole, through undici's dispatcher: the body's chunks gathered as they arrive, with
 * no Readable, async iterator or promise per chunk between the socket and the text — `request` with them cost ≈4 % of
 * a non-streamed request's CPU (issue 32). `limitOf(status)` says how many bytes of the body to read at most; past
 * it, or past a `content-length` that says so first, the call is cut and `overflow` set. Rejects
 * with undici's error when the call fails (no connection, a timeout, a reset), and when `signal` is cancelled.
 */
export function readWhole(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: Cancel,
  limitOf: (status: number) => number,
): Promise<WholeAnswer> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let limit = 0;
    let size = 0;
    const chunks: Buffer[] = [];
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.off('abort', onCancel);
      outcome();
    };
    const answer = (overflow: boolean) => {
      const body = Buffer.concat(chunks, Math.min(size, limit));
      settle(() => resolve({ statusCode: status, headers, text: body.toString('utf8'), overflow }));
    };
    const onCancel = () => {
      controller?.abort(cancelled());
      settle(() => reject(cancelled()));
    };
    if (signal.aborted) return reject(cancelled());
    signal.once('abort', onCancel);
    dispatcher.dispatch(options, {
      onRequestStart(c) {
        controller = c;
        if (settled) c.abort(cancelled());
      },
      onResponseStart(c, statusCode, responseHeaders) {
        // An informational answer (1xx) comes before the real one.
        if (statusCode < 200) return;
        status = statusCode;
        headers = responseHeaders;
        limit = limitOf(statusCode);
        if (Number(responseHeaders['content-length'] ?? 0) > limit) {
          answer(true);
          c.abort(cancelled());
        }
      },
      onResponseData(c, chunk) {
        if (settled) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size > limit) {
          answer(true);
          c.abort(cancelled());
        }
      },
      onResponseEnd() {
        answer(false);
      },
      onResponseError(_c, err) {
        settle(() => reject(err));
      },
    });
  });
}
