import type { WireFormatId } from '../../engine/config-schema.js';
import { SwitchyardError } from '../../engine/errors.js';
import type { GatewayError } from '../errors.js';
import { SseDecoder, type SseEvent } from './sse.js';

export type Endpoint = 'chat' | 'embeddings';

/**
 * A JSON object in the gateway's own shape (OpenAI's): a request body, an answer or a stream chunk. Loose on
 * purpose: the schemas validate what comes in, and the formats read only the fields they translate.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Json = Record<string, any>;

/** What a stream carries between formats: an OpenAI chunk, or the upstream's error in the middle of it. */
export type StreamItem =
  /**
   * `raw`: the chunk's JSON text as the upstream sent it, when unchanged, so an OpenAI caller gets it as is.
   * `textChars`: the characters of delta text it holds, when it holds nothing else to meter (no usage, no tool
   * calls), so the meter need not read `chunk`.
   */
  | { readonly chunk: Json; readonly raw?: string; readonly textChars?: number }
  | { readonly error: { readonly message: string; readonly code: string } };

/** A stream item in the gateway's shape, as a reader of another format makes them: a delta, with its finish. */
export const chatChunk = (id: string, model: string, delta: object, finish: string | null = null): StreamItem => ({
  chunk: {
    id,
    object: 'chat.completion.chunk',
    created: 0,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  },
});
/** The closing chunk that carries a stream's usage (OpenAI's `stream_options.include_usage` shape). */
export const usageChunk = (id: string, model: string, usage: Json): StreamItem => ({
  chunk: { id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage },
});

/** A route's settings beside its URL and key that a format may read. */
export interface RouteSettings {
  /** Azure OpenAI's deployment URLs. */
  readonly api_version?: string;
  /** Vertex AI's project (its location is the route's `region`). */
  readonly project?: string;
  readonly region?: string | readonly string[];
}

/** A stream's events out of its bytes, however they were chunked. Stateful: one per stream. */
export interface EventDecoder {
  /** The events these bytes completed; throws when the stream is broken (an event too large, a bad checksum). */
  push(bytes: Uint8Array): SseEvent[];
  /** What is left when the stream ends. */
  end(): SseEvent[];
}

/**
 * How a format's stream is cut into events on the wire. Server-sent events for most; AWS's binary event stream for
 * Bedrock, whose events are read as `{ event: type, data: payload }` so that every format's reader takes events.
 */
export interface StreamFraming {
  createDecoder(): EventDecoder;
  /** A stream writer's SSE text as this framing's bytes (how the mock upstream and the format suite write it). */
  frame(sse: string): Uint8Array;
}

export const SSE_FRAMING: StreamFraming = {
  createDecoder: () => new SseDecoder(),
  frame: (sse) => Buffer.from(sse),
};

/** What to send an upstream for one attempt. */
export interface UpstreamCall {
  /** Appended to the route's base path. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Turns the gateway's stream items into the bytes of one format's event stream. Stateful: one per stream. */
export interface StreamWriter {
  write(item: StreamItem): string;
  /** The stream's closing events, after the last item of a stream that completed. */
  end(): string;
}

/** An answer (or stream) from an upstream that is not in the format its route declared. */
export class UnreadableAnswerError extends SwitchyardError {
  constructor(message: string) {
    super('unreadable_answer', message);
  }
}

/** `text` as a JSON object, or an `UnreadableAnswerError` naming `what` (the answer, a stream event). */
export function parseObject(text: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UnreadableAnswerError(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UnreadableAnswerError(`${what} is not a JSON object`);
  return value as Json;
}

/**
 * One wire format — not one vendor — both directions. Upstream side: how to call a route that speaks it
 * and read what it answers. Caller side: how to read a client's request in it and answer that client. The
 * gateway's own shape in between is OpenAI's, so OpenAI's format is the identity and every other format
 * translates once each way. The mock upstream speaks a format through its caller side. Every format passes
 * `test/formats.shared.test.ts`; `test/adapters.shared.test.ts` drives the openai and anthropic routes
 * through the gateway, and `test/responses-api.test.ts` the Responses format.
 */
export interface WireFormat {
  readonly id: WireFormatId;
  /** Server-sent events unless the format says otherwise. */
  readonly framing?: StreamFraming;

  /**
   * The request for an attempt: `body` is the gateway's (OpenAI) body, `model` the upstream's name for it, `route`
   * the route's transport settings a format may need (Azure's `api_version`).
   */
  buildCall(
    endpoint: Endpoint,
    body: Json,
    model: string,
    apiKey: string | undefined,
    route?: RouteSettings,
  ): UpstreamCall;
  /**
   * A caller's own body in this format, sent as it is with the model rewritten (a caller and a route of one format).
   */
  buildCallAsIs?(body: Json, model: string, apiKey: string | undefined): UpstreamCall;
  /** A non-streamed 2xx body as the gateway's answer; throws `UnreadableAnswerError` if it is not this format. */
  readAnswer(endpoint: Endpoint, text: string): Json;
  /** The upstream's events as stream items. Stateful: one per stream. */
  createStreamReader(): (event: SseEvent) => StreamItem[];
  /** The message of an upstream's error body, when it has one in this format. */
  readErrorMessage(text: string): string | undefined;

  /**
   * A caller's request body in this format as the gateway's chat request; `path` is the request's, for a format that
   * names the model there (Bedrock, Gemini).
   */
  readRequest(body: Json, path?: string): Json;
  /** The gateway's answer as this format's JSON text. */
  writeAnswer(answer: Json): string;
  createStreamWriter(): StreamWriter;
  /** An error as this format's error body. */
  errorBody(error: GatewayError): Json;
}

/** A request a route's format cannot carry (embeddings to an Anthropic route): the next route may. */
export class UnsupportedEndpointError extends SwitchyardError {
  constructor(message: string) {
    super('unsupported_endpoint', message);
  }
}

/** `error.message` of an error body: where OpenAI's and Anthropic's error bodies both keep it. */
export function errorMessageOf(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } } | null)?.error?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
