import { request } from 'undici';
import type { ConfigFile } from '../../config/config-schema.js';
import type { LoadedConfig } from '../../config/load-config.js';
import { ANALYZER_FAILED, SCAN_FAILED } from '../../engine/detect-sensitive.js';
import type { CanonicalRequest } from '../../engine/request-facts.js';
import { readBody } from '../../engine/request-text.js';
import type { Tenant } from '../../engine/routing-config.js';

const DEFAULT_TIMEOUT_MS = 2000;

type AnalyzerSettings = NonNullable<NonNullable<ConfigFile['sensitivity']>['analyzer']>;

/**
 * Asks a Presidio-compatible analyzer (`POST {url}/analyze` with `{text, language}`, answered with a list of
 * `{entity_type, start, end, score}`) what it finds in the request's text: the entity types, once each. Any
 * failure — refused, slow past `timeout_ms`, a non-200, a body that is not that list — is `analyzer_failed`,
 * never an empty finding: what it means is the config's choice (fail closed by default).
 */
export async function analyze(settings: AnalyzerSettings, text: string): Promise<string[]> {
  const timeout = settings.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  try {
    const res = await request(`${settings.url.replace(/\/$/, '')}/analyze`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text, language: 'en' }),
      signal: AbortSignal.timeout(timeout),
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return [ANALYZER_FAILED];
    }
    const found = (await res.body.json()) as unknown;
    if (!Array.isArray(found)) return [ANALYZER_FAILED];
    const types = found
      .map((e) => (e as { entity_type?: unknown } | null)?.entity_type)
      .filter((t): t is string => typeof t === 'string' && t.length > 0 && t.length <= 64);
    return [...new Set(types)].sort();
  } catch {
    return [ANALYZER_FAILED];
  }
}

/** The analyzer's findings for a request of a tenant that opted in to detection; none when no analyzer is set. */
export async function externalFindings(
  loaded: LoadedConfig,
  tenant: Tenant,
  canonical: CanonicalRequest,
): Promise<string[]> {
  const settings = loaded.file.sensitivity?.analyzer;
  if (!settings || !tenant.autoTag) return [];
  let text: string;
  try {
    // The same text the detector reads: the caller's body as it arrived, whole.
    text = readBody(canonical.sent, tenant.scanLimits).lines;
  } catch {
    return [SCAN_FAILED];
  }
  return analyze(settings, text);
}
