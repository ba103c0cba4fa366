import type { GatewayError } from '../../errors.js';
import { errorMessageOf, UnsupportedEndpointError, type WireFormat } from '../wire-format.js';
import { readResponsesAnswer, writeResponsesAnswer } from './responses-answer.js';
import { fromResponsesRequest, toResponsesRequest } from './responses-request.js';
import { createResponsesStreamReader, createResponsesStreamWriter } from './responses-stream.js';

/**
 * OpenAI's Responses API. As an upstream (`format: openai-responses`), requests go to `{base_url}/responses`;
 * as a caller's format, `POST /v1/responses`. A Responses caller's request reaches a Responses route as it was
 * sent, the model rewritten (`buildCallAsIs`); to any other route, through the gateway's chat shape.
 */
export const responsesFormat: WireFormat = {
  id: 'openai-responses',

  buildCall(endpoint, body, model, apiKey) {
    if (endpoint !== 'chat')
      throw new UnsupportedEndpointError('Responses routes serve chat only; embeddings need an OpenAI-format route.');
    return call(toResponsesRequest(body, model), apiKey);
  },
  buildCallAsIs(body, model, apiKey) {
    return call({ ...body, model }, apiKey);
  },
  readAnswer: (_endpoint, text) => readResponsesAnswer(text),
  createStreamReader: createResponsesStreamReader,
  readErrorMessage: errorMessageOf,

  readRequest: fromResponsesRequest,
  writeAnswer: writeResponsesAnswer,
  createStreamWriter: createResponsesStreamWriter,
  errorBody: (error: GatewayError) => error.toJSON(),
};

function call(body: Record<string, unknown>, apiKey: string | undefined) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: body.stream === true ? 'text/event-stream' : 'application/json',
  };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return { path: '/responses', headers, body: JSON.stringify(body) };
}
