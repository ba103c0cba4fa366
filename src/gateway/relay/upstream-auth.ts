import type { SignatureV4 } from '@smithy/signature-v4';
import { authOf } from '../../config/route-auth.js';
import type { GatewayRoute } from '../../config/config-schema.js';
import type { UpstreamCall } from '../formats/wire-format.js';

/** The headers an attempt is sent with once signed or given a token; throws when no credential can be had. */
export type Authorize = (call: UpstreamCall) => Promise<Record<string, string>>;

/** An attempt whose route's credentials could not be had (no AWS keys in the environment, a token refused). */
export class CredentialsError extends Error {}

const GOOGLE_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const AZURE_SCOPE = 'https://cognitiveservices.azure.com/.default';

/**
 * SigV4 for Bedrock, with the standard environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
 * `AWS_SESSION_TOKEN`), read at each signing so that rotated credentials are used; the route's `region` is the
 * signing region. The secret only ever enters the HMAC: the request carries the signature, the key id and the
 * session token.
 */
function awsSigner(url: URL, region: string): Authorize {
  // Loaded with the first Bedrock request: a gateway without Bedrock routes never loads the AWS libraries.
  let signer: Promise<SignatureV4> | undefined;
  const load = async () => {
    const [{ SignatureV4 }, { Hash }] = await Promise.all([
      import('@smithy/signature-v4'),
      import('@smithy/hash-node'),
    ]);
    return new SignatureV4({
      service: 'bedrock',
      region,
      sha256: Hash.bind(null, 'sha256'),
      credentials: awsCredentials,
    });
  };
  const basePath = url.pathname.replace(/\/$/, '');
  return async (call) => {
    const [path, query] = (basePath + call.path).split('?', 2) as [string, string | undefined];
    const signed = await (
      await (signer ??= load())
    ).sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path,
      query: Object.fromEntries(new URLSearchParams(query ?? '')),
      headers: { ...call.headers, host: url.host },
      body: call.body,
    });
    return signed.headers;
  };
}

/** The standard variables, read at each signing so that rotated credentials are used. */
async function awsCredentials() {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new CredentialsError('no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** A bearer token from a source that caches and renews it (both libraries do), loaded only when a route needs it. */
function bearer(token: () => Promise<string>): Authorize {
  return async (call) => ({ ...call.headers, authorization: `Bearer ${await token()}` });
}

/** Google's application default credentials: a service account file, the metadata server, gcloud's user login. */
function googleToken(): () => Promise<string> {
  let client: Promise<{ getAccessToken(): Promise<{ token?: string | null }> }> | undefined;
  return async () => {
    // A failed lookup (the metadata server not up yet) is tried again on the next request, not kept.
    client ??= import('google-auth-library')
      .then(({ GoogleAuth }) => new GoogleAuth({ scopes: GOOGLE_SCOPE }).getClient())
      .catch((err: unknown) => {
        client = undefined;
        throw err;
      });
    const { token } = await (await client).getAccessToken();
    if (!token) throw new CredentialsError('the Google credentials gave no access token');
    return token;
  };
}

/** Microsoft Entra ID through `DefaultAzureCredential`: environment, workload or managed identity, the az login. */
function entraToken(): () => Promise<string> {
  let credential: Promise<{ getToken(scope: string): Promise<{ token: string } | null> }> | undefined;
  return async () => {
    credential ??= import('@azure/identity').then(({ DefaultAzureCredential }) => new DefaultAzureCredential());
    const got = await (await credential).getToken(AZURE_SCOPE);
    if (!got) throw new CredentialsError('Entra ID gave no token');
    return got.token;
  };
}

/**
 * What signs or authorises a route's requests beyond a static key header, made once per route when its pool is;
 * undefined for a route whose format header carries its key (or that needs none), so that such routes pay nothing.
 */
export function authorizerFor(route: GatewayRoute): Authorize | undefined {
  switch (authOf(route)) {
    case 'aws':
      return awsSigner(new URL(route.base_url), route.region as string);
    case 'google':
      return bearer(googleToken());
    case 'entra':
      return bearer(entraToken());
    default:
      return undefined;
  }
}
