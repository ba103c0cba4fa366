import type { IncomingMessage } from 'node:http';
import aws4 from 'aws4';
import type { Json } from '../gateway/formats/wire-format.js';
import type { MockBehavior } from './mock-behavior.js';

export interface Refusal {
  readonly status: number;
  readonly body: Json;
  readonly headers?: Record<string, string>;
}

/**
 * What Azure OpenAI refuses before it answers, as it does: a call without its `api-key` header or Entra bearer token
 * (401), a deployment URL without `api-version` (404, Azure's "Resource not found"), a path outside `/openai/`, and
 * a prompt its content filter refuses (400 with `innererror.code: ResponsibleAIPolicyViolation`).
 */
export function azureRefusal(req: IncomingMessage, path: string, b: MockBehavior): Refusal | undefined {
  const url = new URL(path, 'http://mock');
  const error = (code: string, message: string) => ({ error: { code, message } });
  const bearer = /^Bearer \S+$/.test(req.headers.authorization ?? '');
  if (typeof req.headers['api-key'] !== 'string' && !bearer)
    return { status: 401, body: error('401', 'Access denied due to invalid subscription key or wrong API endpoint.') };
  const deployment = /^\/openai\/deployments\/[^/]+\//.test(url.pathname);
  if (!deployment && !url.pathname.startsWith('/openai/v1/'))
    return { status: 404, body: error('404', 'Resource not found') };
  if (deployment && !url.searchParams.get('api-version'))
    return { status: 404, body: error('404', 'Resource not found') };
  if (b.contentFilter)
    return {
      status: 400,
      body: {
        error: {
          message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          type: null,
          param: 'prompt',
          code: 'content_filter',
          status: 400,
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: { hate: { filtered: true, severity: 'high' } },
          },
        },
      },
    };
  return undefined;
}

const SIGNATURE =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

/**
 * What Bedrock checks before it answers: a SigV4 signature over this very request, recomputed here with `aws4` (an
 * implementation independent of the gateway's signer) from the credentials the mock is told (else the
 * environment's), or a Bedrock API key as a bearer token. A wrong or missing signature is a 403, as AWS answers it.
 */
export function bedrockRefusal(
  req: IncomingMessage,
  path: string,
  rawBody: string,
  b: MockBehavior,
): Refusal | undefined {
  const denied = (type: string, message: string): Refusal => ({
    status: 403,
    body: { message },
    headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.coral.service/` },
  });
  const authorization = req.headers.authorization ?? '';
  if (authorization.startsWith('Bearer ')) return undefined;
  const m = SIGNATURE.exec(authorization);
  if (!m) return denied('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const [, keyId, , region, service, signedHeaders, signature] = m as unknown as string[];
  const accessKeyId = b.aws?.accessKeyId ?? process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = b.aws?.secretAccessKey ?? process.env.AWS_SECRET_ACCESS_KEY;
  if (keyId !== accessKeyId || !secretAccessKey)
    return denied('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders as string).split(';')) headers[name] = String(req.headers[name] ?? '');
  // aws4 signs a Content-Length it adds itself; the gateway's signer (like the AWS SDKs) does not sign it.
  const signer = new aws4.RequestSigner(
    { host: req.headers.host, method: req.method, path, headers, body: rawBody, service, region },
    {
      accessKeyId,
      secretAccessKey,
      ...(req.headers['x-amz-security-token'] ? { sessionToken: String(req.headers['x-amz-security-token']) } : {}),
    },
  ) as aws4.RequestSigner & { prepareRequest(): void; request: { headers: Record<string, unknown> } };
  signer.prepareRequest();
  delete signer.request.headers['Content-Length'];
  const expected = SIGNATURE.exec(signer.authHeader())?.[6];
  if (expected !== signature)
    return denied(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  return undefined;
}

/** The Gemini API's check: its key in `x-goog-api-key` (or `?key=`), else 403 `PERMISSION_DENIED` as Google answers. */
export function geminiRefusal(req: IncomingMessage, path: string): Refusal | undefined {
  const keyed =
    typeof req.headers['x-goog-api-key'] === 'string' || new URL(path, 'http://mock').searchParams.has('key');
  if (keyed) return undefined;
  return {
    status: 403,
    body: {
      error: {
        code: 403,
        message:
          "Method doesn't allow unregistered callers. Please use API Key or other form of API consumer identity to call this API.",
        status: 'PERMISSION_DENIED',
      },
    },
  };
}

/** Vertex AI's check: an OAuth bearer token (the one the mock is told, when told), else 401 `UNAUTHENTICATED`. */
export function vertexRefusal(req: IncomingMessage, b: MockBehavior): Refusal | undefined {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (token && (b.bearerToken === undefined || token === b.bearerToken)) return undefined;
  if (typeof req.headers['x-goog-api-key'] === 'string') return undefined;
  return {
    status: 401,
    body: {
      error: {
        code: 401,
        message: 'Request had invalid authentication credentials. Expected OAuth 2 access token.',
        status: 'UNAUTHENTICATED',
      },
    },
  };
}

/** An upstream error body in the format's own shape. */
export function errorBodyOf(format: string, status: number, message: string): Json {
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  switch (format) {
    case 'anthropic':
      return { type: 'error', error: { type: status >= 500 ? 'api_error' : 'invalid_request_error', message } };
    case 'bedrock':
      return { message };
    case 'gemini':
    case 'vertex':
      return {
        error: {
          code: status,
          message,
          status: status === 429 ? 'RESOURCE_EXHAUSTED' : status >= 500 ? 'UNAVAILABLE' : 'INVALID_ARGUMENT',
        },
      };
    default:
      return { error: { message, type, code: null, param: null } };
  }
}
