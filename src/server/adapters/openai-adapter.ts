import type { UpstreamAdapter } from './upstream-adapter.js';

const PATHS = { chat: '/chat/completions', embeddings: '/embeddings' } as const;

/** OpenAI's own format, spoken by OpenAI, aggregators and most on-prem servers (vLLM, TGI, llama.cpp). */
export const openAiAdapter: UpstreamAdapter = {
  format: 'openai',
  buildCall(endpoint, body, model, apiKey) {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: body.stream === true ? 'text/event-stream' : 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    return { path: PATHS[endpoint], headers, body: JSON.stringify({ ...body, model }) };
  },
  toOpenAiBody: (_endpoint, text) => text,
  createStreamTranslator: () => undefined,
};
