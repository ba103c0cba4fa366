import type { WireFormat } from '../../engine/config-schema.js';

/** What to send an upstream for one attempt. */
export interface UpstreamCall {
  /** Appended to the route's base path. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type Endpoint = 'chat' | 'embeddings';

/**
 * One wire format (not one vendor): turns an OpenAI-format request into the upstream's, and the upstream's
 * answer back into OpenAI's. Every adapter passes the same shared test suite.
 */
export interface UpstreamAdapter {
  readonly format: WireFormat;
  /** The request for an attempt: `body` is the caller's OpenAI body, `model` the upstream's model name. */
  buildCall(endpoint: Endpoint, body: Record<string, unknown>, model: string, apiKey: string | undefined): UpstreamCall;
  /** A non-streamed answer (upstream bytes) as the OpenAI JSON text to send the caller. */
  toOpenAiBody(endpoint: Endpoint, upstreamText: string): string;
  /**
   * For streams: a function fed each upstream chunk that returns the bytes to send the caller, or
   * undefined when the stream passes through unchanged.
   */
  createStreamTranslator(): ((chunk: Buffer) => Buffer) | undefined;
}
