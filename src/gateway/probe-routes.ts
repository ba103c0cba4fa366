import type { GatewayRoute } from '../config/config-schema.js';
import { WIRE_FORMATS } from './formats/registry.js';
import { Cancel } from './relay/cancel.js';
import type { AttemptFailure } from './relay/exchange.js';
import { redactSecrets } from './relay/redact.js';
import { sendAttempt } from './relay/send-attempt.js';
import { UpstreamPools } from './relay/upstream-pools.js';

export interface ProbeResult {
  readonly route: string;
  readonly model?: string;
  readonly ok: boolean;
  /** `ok`, or what would have surfaced at 3 AM: the key refused, the model unknown there, unreachable… */
  readonly verdict: string;
  readonly ms: number;
}

/** What a probe's failure means to whoever reads `switchyard check`: every kind has its sentence. */
const FAILURE_VERDICTS: Record<AttemptFailure, string> = {
  connect: 'unreachable (connection refused or no such host)',
  timeout: 'too slow (timed out)',
  deadline: 'too slow (total deadline)',
  reset: 'connection dropped',
  too_large: 'answered, but over the size limit',
  bad_body: 'answered, but not in its format',
  empty: 'answered with an empty stream',
  credentials: "no credentials to sign or authorise it with (see the route's `auth`)",
};

const STATUS_VERDICTS: Readonly<Record<number, string>> = {
  401: 'key refused (401)',
  403: 'key not allowed (403)',
  404: 'model or path unknown there (404)',
  429: 'rate-limited right now (429)',
};

const verdictOf = (failure: number | AttemptFailure) =>
  typeof failure === 'number' ? (STATUS_VERDICTS[failure] ?? `failed (${failure})`) : FAILURE_VERDICTS[failure];

/**
 * One minimal real request per route (`max_tokens: 1`, its first model), all at once: the key, the model
 * mapping and the latency, checked now rather than found out by the first caller. Keys never appear in what
 * is returned.
 */
export async function probeRoutes(routes: readonly GatewayRoute[]): Promise<ProbeResult[]> {
  const pools = new UpstreamPools(routes);
  try {
    return await Promise.all(routes.map((route) => probe(route, pools)));
  } finally {
    await pools.close();
  }
}

async function probe(route: GatewayRoute, pools: UpstreamPools): Promise<ProbeResult> {
  const models = route.models;
  const entry: [string, string] | undefined =
    models === '*'
      ? undefined
      : Array.isArray(models)
        ? [models[0] as string, models[0] as string]
        : Object.entries(models)[0];
  if (!entry)
    return { route: route.id, ok: false, verdict: 'no model to try: models is "*" (name one to probe)', ms: 0 };
  const [model, upstreamModel] = entry;
  const format = WIRE_FORMATS[route.format ?? 'openai'];
  const call = format.buildCall(
    'chat',
    { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 },
    upstreamModel,
    route.api_key,
    route,
  );
  const t0 = performance.now();
  const exchange = await sendAttempt({
    target: pools.get(route.id),
    format,
    endpoint: 'chat',
    call,
    stream: false,
    signal: new Cancel(),
    maxBodyBytes: 1024 * 1024,
  });
  const ms = Math.round(performance.now() - t0);
  const base = { route: route.id, model, ms };
  switch (exchange.kind) {
    case 'answer':
    case 'raw-answer': {
      // Slower than the route promises the planner: its SLO decisions rest on a number that is not true.
      const p95 = route.latency?.p95_ms;
      return p95 !== undefined && ms > p95
        ? { ...base, ok: false, verdict: `slow: ${ms} ms, above its latency.p95_ms of ${p95}` }
        : { ...base, ok: true, verdict: 'ok' };
    }
    case 'failed':
      return { ...base, ok: false, verdict: verdictOf(exchange.failure) };
    case 'rejected':
      return {
        ...base,
        ok: false,
        verdict: `refused (${exchange.status}): ${redactSecrets(exchange.message, route.api_key ? [route.api_key] : [])}`,
      };
    default:
      return { ...base, ok: false, verdict: exchange.kind };
  }
}
