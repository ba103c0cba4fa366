import type { GatewayError } from '../../errors.js';
import { errorMessageOf, UnsupportedEndpointError, type WireFormat } from '../wire-format.js';
import { readAnthropicAnswer, writeAnthropicAnswer } from './anthropic-answer.js';
import { fromAnthropicRequest, toAnthropicRequest } from './anthropic-request.js';
import { createAnthropicStreamReader, createAnthropicStreamWriter } from './anthropic-stream.js';
import { ANTHROPIC_ERROR_TYPE } from './anthropic-types.js';

export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Anthropic's Messages API. As an upstream, the route's `base_url` is the API's origin
 * (`https://api.anthropic.com`) and requests go to `/v1/messages`; as a caller's format, `POST /v1/messages`.
 */
export const anthropicFormat: WireFormat = {
  id: 'anthropic',

  buildCall(endpoint, body, model, apiKey) {
    if (endpoint !== 'chat')
      throw new UnsupportedEndpointError('Anthropic routes serve chat only; embeddings need an OpenAI-format route.');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'anthropic-version': ANTHROPIC_VERSION,
      accept: body.stream === true ? 'text/event-stream' : 'application/json',
    };
    if (apiKey) headers['x-api-key'] = apiKey;
    return { path: '/v1/messages', headers, body: JSON.stringify(toAnthropicRequest(body, model)) };
  },
  readAnswer: (_endpoint, text) => readAnthropicAnswer(text),
  createStreamReader: createAnthropicStreamReader,
  readErrorMessage: errorMessageOf,

  readRequest: fromAnthropicRequest,
  writeAnswer: writeAnthropicAnswer,
  createStreamWriter: createAnthropicStreamWriter,
  errorBody: (error: GatewayError) => ({
    type: 'error',
    error: { type: ANTHROPIC_ERROR_TYPE[error.type] ?? 'api_error', message: error.message },
  }),
};
