import type { IncomingHttpHeaders } from 'node:http';
import { parseTagList, type CallerHints } from '../../engine/request-facts.js';
import type { RoutingConfig, Tenant } from '../../engine/routing-config.js';
import { GatewayError, invalidRequest } from '../errors.js';

export const TAGS_HEADER = 'x-switchyard-tags';
export const SLO_HEADER = 'x-switchyard-slo-ms';

/** The most known tags an error message lists. */
const LISTED = 40;

/**
 * A caller's tags, checked against the config: a tag it does not define is refused (400 `unknown_tag`),
 * never dropped — a mistyped `phi` must not quietly send the request off-prem.
 */
export function checkedTags(value: string | undefined, routing: RoutingConfig, tenant: Tenant): string[] {
  const tags = parseTagList(value);
  if (tags.length === 0) return tags;
  if (!tenant.acceptHeaderTags)
    throw new GatewayError(
      'header_tags_refused',
      `Tenant ${tenant.id} does not take tags from requests; its default tags and the detector decide.`,
      { param: TAGS_HEADER },
    );
  const unknown = tags.filter((t) => !routing.knownTags.has(t));
  if (unknown.length > 0) {
    const known = [...routing.knownTags].sort();
    const listed = known.length > LISTED ? `${known.slice(0, LISTED).join(', ')}, …` : known.join(', ');
    throw new GatewayError(
      'unknown_tag',
      `Unknown tag${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t.slice(0, 64)}'`).join(', ')} in ${TAGS_HEADER}; this gateway knows: ${listed}.`,
      { param: TAGS_HEADER },
    );
  }
  return tags;
}

/** Tags and latency SLO from `x-switchyard-tags: phi,internal` and `x-switchyard-slo-ms: 800`. */
export function hintsFromHeaders(headers: IncomingHttpHeaders, routing: RoutingConfig, tenant: Tenant): CallerHints {
  const raw = headers[TAGS_HEADER];
  // Node hands header bytes over as latin1; a client that sent UTF-8 (a full-width `ｐｈｉ`) meant those characters.
  const tags = checkedTags(
    typeof raw === 'string' ? Buffer.from(raw, 'latin1').toString('utf8') : undefined,
    routing,
    tenant,
  );
  const slo = headers[SLO_HEADER];
  if (slo === undefined) return { tags };
  const sloMs = Number(slo);
  if (typeof slo !== 'string' || !Number.isInteger(sloMs) || sloMs <= 0)
    throw invalidRequest(`Header ${SLO_HEADER} must be a positive whole number of milliseconds.`, SLO_HEADER);
  return { tags, sloMs };
}
