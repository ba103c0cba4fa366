import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import {
  SSE_FRAMING,
  UnreadableAnswerError,
  type Endpoint,
  type StreamItem,
  type UpstreamCall,
  type WireFormat,
} from '../formats/wire-format.js';
import { Cancel } from './cancel.js';
import type { AttemptFailure, Exchange } from './exchange.js';
import { looksLikeAnswer, usageInText } from './raw-answer.js';
import { usageFromOpenAi } from './usage.js';
import { readWhole, type WholeAnswer } from './whole-answer.js';
import type { UpstreamTarget } from './upstream-pools.js';

/** The most of an upstream's error body that is read (the message is what matters; the rest is dropped). */
const MAX_ERROR_BODY = 64 * 1024;

export interface AttemptRequest {
  readonly target: UpstreamTarget;
  readonly format: WireFormat;
  readonly endpoint: Endpoint;
  readonly call: UpstreamCall;
  readonly stream: boolean;
  /** Cancelled when the caller hangs up. */
  readonly signal: Cancel;
  /** The largest non-streamed answer read; a bigger one fails the attempt. */
  readonly maxBodyBytes: number;
  /** The caller speaks the route's format and it is the gateway's own (OpenAI): its answer can go as it came. */
  readonly asItCame?: boolean;
}

/**
 * Worth trying the next route: the upstream is overloaded or broken (429, 5xx, 408), or the route itself
 * is misconfigured — its key refused (401, 403) or its model name unknown there (404). Only what says the
 * request itself is wrong (400, 413, 422, …) goes back to the caller.
 */
const retryableStatus = (status: number) =>
  status === 429 || status >= 500 || status === 401 || status === 403 || status === 404 || status === 408;

/** `retry-after` in seconds or as an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
export function retryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function failureKind(err: unknown): AttemptFailure {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return 'timeout';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'connect';
  return 'reset';
}

/** A stream that is not the route's format, or an event too large to hold: broken, not a network fault. */
const unreadable = (err: unknown) =>
  err instanceof UnreadableAnswerError || (err as Error | undefined)?.name === 'ParseError';

/** The body's bytes up to `limit`; `overflow` says whether there was more (then the rest is not read). */
async function readUpTo(
  body: Dispatcher.ResponseData['body'],
  limit: number,
): Promise<{ text: string; overflow: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      return { text: Buffer.concat(chunks).subarray(0, limit).toString('utf8'), overflow: true };
    }
  }
  return { text: Buffer.concat(chunks).toString('utf8'), overflow: false };
}

/**
 * The upstream's events as stream items, one batch per network chunk that completed any; `done` is called however
 * the stream ends (read to its end, failed, or returned by its reader) — here rather than in a generator wrapped
 * around this one, which would cost a promise and a turn of the microtask queue per batch.
 */
async function* streamItems(
  body: Dispatcher.ResponseData['body'],
  format: WireFormat,
  done: () => void,
): AsyncGenerator<readonly StreamItem[]> {
  const decoder = (format.framing ?? SSE_FRAMING).createDecoder();
  const read = format.createStreamReader();
  try {
    for await (const chunk of body) {
      const items = decoder.push(chunk as Buffer).flatMap(read);
      if (items.length > 0) yield items;
    }
    const last = decoder.end().flatMap(read);
    if (last.length > 0) yield last;
  } finally {
    done();
  }
}

/**
 * One attempt at one route: sends the call and reads as much as it takes to know how it went — the whole
 * answer, or a stream's first items. Never throws for anything the upstream or the network did.
 */
export async function sendAttempt(req: AttemptRequest): Promise<Exchange> {
  // One cancellation for the attempt: the caller hanging up or the route's total deadline, whichever comes
  // first. A timer cleared when the attempt is over (a stream's when it ends) and a listener on the caller's —
  // `AbortSignal.timeout` would keep a timer per request alive for all of `total_ms` (ten minutes by default), and
  // `AbortSignal.any` costs a dependent signal and weak references per attempt.
  const attempt = new Cancel();
  let deadlinePassed = false;
  const timer = setTimeout(() => {
    deadlinePassed = true;
    attempt.abort();
  }, req.target.route.timeouts.total_ms);
  const callerLeft = () => attempt.abort();
  req.signal.once('abort', callerLeft);
  if (req.signal.aborted) attempt.abort();
  const over = () => {
    clearTimeout(timer);
    req.signal.off('abort', callerLeft);
  };
  const exchange = await attemptWithin(req, attempt, () => deadlinePassed, over);
  // A stream's items call `over` when it ends; anything else is over now (a second call does nothing).
  if (exchange.kind !== 'stream') over();
  return exchange;
}

const retryableFailure = (status: number, headers: IncomingHttpHeaders): Exchange => {
  const retryAfterMs = retryAfter(headers['retry-after'], Date.now());
  return { kind: 'failed', failure: status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
};

const rejected = (req: AttemptRequest, status: number, text: string): Exchange => ({
  kind: 'rejected',
  status,
  message: req.format.readErrorMessage(text) ?? text.slice(0, 300),
});

/** How a non-streamed call went, from its answer read whole. */
function wholeExchange(req: AttemptRequest, { statusCode, headers, text, overflow }: WholeAnswer): Exchange {
  if (retryableStatus(statusCode)) return retryableFailure(statusCode, headers);
  if (statusCode >= 400) return rejected(req, statusCode, text);
  if (overflow) return { kind: 'failed', failure: 'too_large' };
  // The same format on both sides: no parse and no re-serialisation, only the usage read (the body goes byte
  // for byte). An answer whose usage cannot be believed is read whole, to be metered by its text.
  if (req.asItCame && looksLikeAnswer(req.endpoint, text)) {
    const usage = usageFromOpenAi(usageInText(text));
    if (usage) return { kind: 'raw-answer', text, usage };
  }
  try {
    return { kind: 'answer', answer: req.format.readAnswer(req.endpoint, text) };
  } catch {
    // A 2xx the format cannot read (an HTML error page, a proxy's JSON) is a broken route, like a reset.
    return { kind: 'failed', failure: 'bad_body' };
  }
}

async function attemptWithin(
  req: AttemptRequest,
  signal: Cancel,
  deadlinePassed: () => boolean,
  over: () => void,
): Promise<Exchange> {
  const { target, call } = req;
  const timeouts = target.route.timeouts;
  const failed = (err: unknown): Exchange =>
    req.signal.aborted
      ? { kind: 'aborted' }
      : { kind: 'failed', failure: deadlinePassed() ? 'deadline' : failureKind(err) };
  let headers = call.headers;
  if (target.authorize) {
    try {
      headers = await target.authorize(call);
    } catch {
      // No credential (none in the environment, a token endpoint that refused): this route cannot be asked.
      return { kind: 'failed', failure: 'credentials' };
    }
  }
  const options = {
    method: 'POST' as const,
    path: target.basePath + call.path,
    headers,
    body: call.body,
    headersTimeout: timeouts.first_byte_ms,
    bodyTimeout: timeouts.idle_ms,
  };
  if (!req.stream) {
    let whole: WholeAnswer;
    try {
      // Bounded: an upstream that sends a gigabyte is broken, not buffered (nor read, when it says so first).
      whole = await readWhole(target.pool, options, signal, (status) =>
        status >= 400 ? MAX_ERROR_BODY : req.maxBodyBytes,
      );
    } catch (err) {
      return failed(err);
    }
    return wholeExchange(req, whole);
  }
  let res: Dispatcher.ResponseData;
  try {
    res = await target.pool.request({ ...options, signal });
  } catch (err) {
    return failed(err);
  }
  try {
    if (retryableStatus(res.statusCode)) {
      await res.body.dump();
      return retryableFailure(res.statusCode, res.headers);
    }
    if (res.statusCode >= 400) {
      const { text } = await readUpTo(res.body, MAX_ERROR_BODY);
      return rejected(req, res.statusCode, text);
    }
    const rest = streamItems(res.body, req.format, over);
    let first: IteratorResult<readonly StreamItem[]>;
    try {
      first = await rest.next();
    } catch (err) {
      return unreadable(err) && !signal.aborted ? { kind: 'failed', failure: 'bad_body' } : failed(err);
    }
    // An empty 200 stream: nothing to relay, the route is broken for this request.
    if (first.done) return { kind: 'failed', failure: 'empty' };
    return { kind: 'stream', first: first.value, rest };
  } catch (err) {
    res.body.destroy();
    return failed(err);
  }
}
