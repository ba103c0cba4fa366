import { parseObject, UnsupportedEndpointError, type WireFormat } from '../wire-format.js';
import { readConverseAnswer, writeConverseAnswer } from './converse-answer.js';
import { fromConverseRequest, toConverseRequest } from './converse-request.js';
import { createConverseStreamReader, createConverseStreamWriter } from './converse-stream.js';
import { EVENT_STREAM_FRAMING } from './event-stream-framing.js';

/** Bedrock's error bodies: `{"message": …}` (the type is in a header). */
function messageOf(text: string): string | undefined {
  try {
    const body = parseObject(text, 'the error');
    const message = body.message ?? body.Message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Amazon Bedrock's Converse API: `POST {base_url}/model/{modelId}/converse` (and `/converse-stream`, in AWS's binary
 * event-stream framing). The model id is the route's upstream name (`anthropic.claude-sonnet-4-6-v1:0`, or an
 * inference profile such as `eu.anthropic…`). Signed with SigV4 from the environment's AWS credentials
 * (`src/gateway/relay/upstream-auth.ts`), or sent with a Bedrock API key as a bearer token when the route has one.
 */
export const bedrockFormat: WireFormat = {
  id: 'bedrock',
  framing: EVENT_STREAM_FRAMING,

  buildCall(endpoint, body, model, apiKey) {
    if (endpoint !== 'chat')
      throw new UnsupportedEndpointError('Bedrock routes serve chat only; embeddings need an OpenAI-format route.');
    const stream = body.stream === true;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: stream ? 'application/vnd.amazon.eventstream' : 'application/json',
    };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const path = `/model/${encodeURIComponent(model)}/${stream ? 'converse-stream' : 'converse'}`;
    return { path, headers, body: JSON.stringify(toConverseRequest(body)) };
  },
  readAnswer: (_endpoint, text) => readConverseAnswer(text),
  createStreamReader: createConverseStreamReader,
  readErrorMessage: messageOf,

  readRequest: fromConverseRequest,
  writeAnswer: writeConverseAnswer,
  createStreamWriter: createConverseStreamWriter,
  errorBody: (error) => ({ message: error.message }),
};
