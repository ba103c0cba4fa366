import { openAiFormat } from '../openai/openai-format.js';
import { errorMessageOf, type Json, type WireFormat } from '../wire-format.js';

const PATHS = { chat: 'chat/completions', embeddings: 'embeddings' } as const;

/** The code Azure's content filter gives a prompt it refuses (a 400, `error.innererror.code`). */
const POLICY_VIOLATION = 'ResponsibleAIPolicyViolation';

/**
 * Azure OpenAI: OpenAI's bodies and streams, at Azure's paths and with its `api-key` header. A route with
 * `api_version` calls its deployment (`/openai/deployments/{deployment}/…?api-version=…`; the deployment is the
 * route's upstream name for the model, `models: { gpt-5: my-gpt5-prod }`); one without calls the v1 endpoint
 * (`/openai/v1/…`, the model in the body). A content-filter refusal is a 400 the caller caused: it is passed back
 * saying so, and never tried on another route as if it were an outage.
 */
export const azureOpenAiFormat: WireFormat = {
  ...openAiFormat,
  id: 'azure-openai',

  buildCall(endpoint, body, model, apiKey, route) {
    const call = openAiFormat.buildCall(endpoint, body, model, undefined);
    const headers: Record<string, string> = { ...call.headers };
    if (apiKey) headers['api-key'] = apiKey;
    const version = route?.api_version;
    const path = version
      ? `/openai/deployments/${encodeURIComponent(model)}/${PATHS[endpoint]}?api-version=${version}`
      : `/openai/v1/${PATHS[endpoint]}`;
    return { path, headers, body: call.body };
  },

  readErrorMessage(text) {
    const message = errorMessageOf(text);
    try {
      const error = (JSON.parse(text) as Json).error as Json | undefined;
      const filtered = error?.innererror?.code === POLICY_VIOLATION || error?.code === 'content_filter';
      if (filtered) return `Azure's content filter refused it (not an outage; no other route is tried): ${message}`;
    } catch {
      // Not JSON: the plain message, if any.
    }
    return message;
  },
};
