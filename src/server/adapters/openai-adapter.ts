import type { UpstreamAdapter } from './upstream-adapter.js';

const PATHS = { chat: '/chat/completions', embeddings: '/embeddings' } as const;

/** OpenAI's own format, spoken by OpenAI, aggregators and most on-prem servers (vLLM, TGI, llama.cpp). */
export const openAiAdapter: UpstreamAdapter = {
  format: 'openai',
  buildCall(endpoint, body, model, apiKey) {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: body.stream === true ? 'text/event-stream' : 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    // Streams always ask for the usage chunk, so streamed requests are metered like the rest; the
    // forwarder strips it again when the caller did not ask.
    const out = body.stream === true ? { ...body, model, stream_options: { ...(body.stream_options as object | undefined), include_usage: true } } : { ...body, model };
    return { path: PATHS[endpoint], headers, body: JSON.stringify(out) };
  },
  toOpenAiBody: (_endpoint, text) => text,
  createStreamTranslator: () => undefined,
};
