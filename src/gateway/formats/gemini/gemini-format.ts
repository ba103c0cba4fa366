import type { GatewayError } from '../../errors.js';
import {
  errorMessageOf,
  UnsupportedEndpointError,
  type Json,
  type RouteSettings,
  type WireFormat,
} from '../wire-format.js';
import { readGeminiAnswer, writeGeminiAnswer } from './gemini-answer.js';
import { fromGeminiRequest, toGeminiRequest } from './gemini-request.js';
import { createGeminiStreamReader, createGeminiStreamWriter } from './gemini-stream.js';

const STATUS_OF_TYPE: Readonly<Record<string, string>> = {
  invalid_request_error: 'INVALID_ARGUMENT',
  authentication_error: 'UNAUTHENTICATED',
  permission_error: 'PERMISSION_DENIED',
  rate_limit_error: 'RESOURCE_EXHAUSTED',
};

/** Google's error bodies: `{"error": {code, message, status}}`, or a list of them (Vertex's streams). */
function messageOf(text: string): string | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('[')) return errorMessageOf(text);
  try {
    const first = (JSON.parse(trimmed) as Json[])[0];
    return typeof first?.error?.message === 'string' ? first.error.message : undefined;
  } catch {
    return undefined;
  }
}

const method = (body: Json) => (body.stream === true ? 'streamGenerateContent?alt=sse' : 'generateContent');

/** What Gemini and Vertex share: the bodies, the stream and the errors; they differ in path and credentials. */
const generateContent = {
  readAnswer: (_endpoint: unknown, text: string) => readGeminiAnswer(text),
  createStreamReader: createGeminiStreamReader,
  readErrorMessage: messageOf,
  readRequest: fromGeminiRequest,
  writeAnswer: writeGeminiAnswer,
  createStreamWriter: createGeminiStreamWriter,
  errorBody: (error: GatewayError) => ({
    error: { code: error.status, message: error.message, status: STATUS_OF_TYPE[error.type] ?? 'INTERNAL' },
  }),
} satisfies Partial<WireFormat>;

function chatOnly(endpoint: string) {
  if (endpoint !== 'chat')
    throw new UnsupportedEndpointError('Gemini routes serve chat only here; embeddings need an OpenAI-format route.');
}

const jsonHeaders = (body: Json): Record<string, string> => ({
  'content-type': 'application/json',
  accept: body.stream === true ? 'text/event-stream' : 'application/json',
});

/**
 * The Gemini API's own format (`base_url` `https://generativelanguage.googleapis.com/v1beta`):
 * `/models/{model}:generateContent` and `:streamGenerateContent?alt=sse`, the key in `x-goog-api-key`.
 */
export const geminiFormat: WireFormat = {
  id: 'gemini',
  ...generateContent,
  buildCall(endpoint, body, model, apiKey) {
    chatOnly(endpoint);
    const headers = jsonHeaders(body);
    if (apiKey) headers['x-goog-api-key'] = apiKey;
    return {
      path: `/models/${encodeURIComponent(model)}:${method(body)}`,
      headers,
      body: JSON.stringify(toGeminiRequest(body)),
    };
  },
};

/** A Vertex route's location: its `region` (one; the config loader checks). */
const locationOf = (route: RouteSettings | undefined) =>
  Array.isArray(route?.region) ? (route.region[0] as string) : ((route?.region as string | undefined) ?? 'global');

/**
 * Vertex AI's Gemini (`base_url` `https://{location}-aiplatform.googleapis.com`): the same bodies at
 * `/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:…`, with an OAuth token from the
 * environment's Google credentials (`src/gateway/relay/upstream-auth.ts`), or an express-mode API key.
 */
export const vertexFormat: WireFormat = {
  id: 'vertex',
  ...generateContent,
  buildCall(endpoint, body, model, apiKey, route) {
    chatOnly(endpoint);
    const headers = jsonHeaders(body);
    if (apiKey) headers['x-goog-api-key'] = apiKey;
    const project = encodeURIComponent(route?.project ?? '');
    const location = encodeURIComponent(locationOf(route));
    return {
      path: `/v1/projects/${project}/locations/${location}/publishers/google/models/${encodeURIComponent(model)}:${method(body)}`,
      headers,
      body: JSON.stringify(toGeminiRequest(body)),
    };
  },
};
