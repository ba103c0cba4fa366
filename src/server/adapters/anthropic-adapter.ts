import { createAnthropicStreamTranslator, toAnthropicRequest, toOpenAiCompletion } from '../anthropic/openai-to-anthropic.js';
import { GatewayError } from '../errors.js';
import type { UpstreamAdapter } from './upstream-adapter.js';

export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Anthropic's Messages API behind an OpenAI-format caller. The route's `base_url` is the API's origin
 * (`https://api.anthropic.com`); requests go to `/v1/messages`.
 */
export const anthropicAdapter: UpstreamAdapter = {
  format: 'anthropic',
  buildCall(endpoint, body, model, apiKey) {
    if (endpoint !== 'chat') throw new GatewayError(400, 'invalid_request_error', 'unsupported_endpoint', 'Anthropic routes serve chat only; embeddings need an OpenAI-format route.');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION, accept: body.stream === true ? 'text/event-stream' : 'application/json' };
    if (apiKey) headers['x-api-key'] = apiKey;
    return { path: '/v1/messages', headers, body: JSON.stringify(toAnthropicRequest(body, model)) };
  },
  toOpenAiBody: (_endpoint, text) => toOpenAiCompletion(text),
  createStreamTranslator: createAnthropicStreamTranslator,
};
