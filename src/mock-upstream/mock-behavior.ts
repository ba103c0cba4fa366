/** How a mock upstream behaves: what it answers, how slowly, and which faults it plays. */
export interface MockBehavior {
  /**
   * Refuse the prompt as the provider's content filter does: Azure OpenAI with a 400 (`ResponsibleAIPolicyViolation`),
   * others with a 200 whose finish reason says it (Bedrock's `guardrail_intervened`, Gemini's `SAFETY`).
   */
  contentFilter?: boolean;
  /** Bedrock only: the credentials a SigV4 signature must be made with (else the environment's AWS ones). */
  aws?: { accessKeyId: string; secretAccessKey: string };
  /** Vertex only: the one bearer token accepted (else any). */
  bearerToken?: string;
  /** Answer with this HTTP status and an error body in the route's format instead of a completion. */
  status?: number;
  /** The error body's message, with `status`. */
  errorMessage?: string;
  /** With `status`: only the next this many requests fail, the rest are answered (a passing overload). */
  failTimes?: number;
  /** With `status`: the `retry-after` header sent with it. */
  retryAfter?: string;
  /** Milliseconds before the response headers. */
  delayMs?: number;
  /** Milliseconds before the response headers, drawn uniformly from this range per request (a latency profile). */
  latencyMs?: { min: number; max: number };
  /** Milliseconds between stream chunks. */
  chunkDelayMs?: number;
  /** Destroy the connection after this many stream chunks (a reset mid-stream). */
  resetAfterChunks?: number;
  /** Report no usage at all (some servers don't). */
  omitUsage?: boolean;
  /** Answer 200 with a body that is not the format's JSON (a broken server or a proxy's error page). */
  malformed?: boolean;
  /** Prompt tokens served from the cache, reported in `prompt_tokens_details.cached_tokens`. */
  cachedTokens?: number;
  /** Write each stream event in pieces of this many bytes (events split across TCP segments). */
  fragmentBytes?: number;
  /** End stream lines with CRLF instead of LF (the SSE specification allows both). */
  crlf?: boolean;
  /** Answer a stream with a 200 and no events at all. */
  emptyStream?: boolean;
  /** Put an error event into the stream after its first events (an upstream overloaded mid-answer). */
  streamError?: string;
  /** Answer with the last user message (or put it in the tool call's arguments): a model quoting its prompt. */
  echo?: boolean;
  /** Stream each word, and a tool call's arguments, in two chunks: nothing arrives whole. */
  halves?: boolean;
  /** The assistant's reply; words become stream chunks and completion tokens. */
  reply?: string;
  /** Report exactly these token counts instead of estimating them. */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Add this many bytes of padding to a non-streamed answer (an upstream that sends far too much). */
  padBytes?: number;
  /** Send a non-streamed answer's Content-Length (otherwise it is chunked). */
  declareLength?: boolean;
}
