import type { GatewayError } from '../../errors.js';
import { sseData } from '../sse.js';
import { PlainChunk, plainChunkChars } from './plain-chunk.js';
import {
  errorMessageOf,
  parseObject,
  UnreadableAnswerError,
  type StreamItem,
  type WireFormat,
} from '../wire-format.js';

const PATHS = { chat: '/chat/completions', embeddings: '/embeddings' } as const;

/**
 * OpenAI's own format, spoken by OpenAI, aggregators and most on-prem servers (vLLM, TGI, llama.cpp). It is
 * the gateway's own shape, so both directions are (nearly) the identity.
 */
export const openAiFormat: WireFormat = {
  id: 'openai',

  buildCall(endpoint, body, model, apiKey) {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: body.stream === true ? 'text/event-stream' : 'application/json',
    };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    // Streams always ask for the usage chunk, so streamed requests are metered like the rest; the caller's
    // side drops it again when the caller did not ask.
    // `models` (fallbacks) is the gateway's to read, not the upstream's: OpenAI refuses fields it does not know.
    const { models: _fallbacks, ...rest } = body;
    const out =
      body.stream === true
        ? { ...rest, model, stream_options: { ...(body.stream_options as object | undefined), include_usage: true } }
        : { ...rest, model };
    return { path: PATHS[endpoint], headers, body: JSON.stringify(out) };
  },

  readAnswer(endpoint, text) {
    const answer = parseObject(text, 'the answer');
    // A 2xx that is JSON but not an answer (a proxy's `{"status":"ok"}`) is as broken as HTML.
    const shaped = endpoint === 'chat' ? Array.isArray(answer.choices) : Array.isArray(answer.data);
    if (!shaped) throw new UnreadableAnswerError(`the answer has no ${endpoint === 'chat' ? 'choices' : 'data'}`);
    return answer;
  },

  createStreamReader() {
    return (event): StreamItem[] => {
      if (event.data === '[DONE]') return [];
      const textChars = plainChunkChars(event.data);
      if (textChars !== undefined) return [new PlainChunk(event.data, textChars)];
      const chunk = parseObject(event.data, 'a stream event');
      if (chunk.error && !chunk.choices)
        return [
          {
            error: {
              message: String(chunk.error.message ?? 'upstream error'),
              code: String(chunk.error.code ?? 'upstream_error'),
            },
          },
        ];
      return [{ chunk, raw: event.data }];
    };
  },

  readErrorMessage: errorMessageOf,

  readRequest: (body) => body,
  writeAnswer: (answer) => JSON.stringify(answer),

  createStreamWriter() {
    return {
      // An OpenAI upstream's chunk goes out as it came: parsed once (for usage), never serialised again.
      write: (item) =>
        'chunk' in item
          ? item.raw === undefined
            ? sseData(item.chunk)
            : `data: ${item.raw}\n\n`
          : sseData({ error: { message: item.error.message, type: 'api_error', code: item.error.code, param: null } }),
      end: () => 'data: [DONE]\n\n',
    };
  },

  errorBody: (error: GatewayError) => error.toJSON(),
};
