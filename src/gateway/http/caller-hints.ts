import type { IncomingHttpHeaders } from 'node:http';
import { parseTagList, type CallerHints } from '../../engine/request-facts.js';
import { invalidRequest } from '../errors.js';

export const TAGS_HEADER = 'x-switchyard-tags';
export const SLO_HEADER = 'x-switchyard-slo-ms';

/** A tag is a short word: it is logged with every request and matched by rules. */
const TAG = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
const MAX_TAGS = 32;

/** Tags and latency SLO from `x-switchyard-tags: phi,internal` and `x-switchyard-slo-ms: 800`. */
export function hintsFromHeaders(headers: IncomingHttpHeaders): CallerHints {
  const tags = parseTagList(typeof headers[TAGS_HEADER] === 'string' ? headers[TAGS_HEADER] : undefined);
  if (tags.length > MAX_TAGS || !tags.every((t) => TAG.test(t))) {
    throw invalidRequest(`Header ${TAGS_HEADER} takes at most ${MAX_TAGS} comma-separated tags, each 1-64 letters, digits, '.', '_', ':' or '-'.`, TAGS_HEADER);
  }
  const slo = headers[SLO_HEADER];
  if (slo === undefined) return { tags };
  const sloMs = Number(slo);
  if (typeof slo !== 'string' || !Number.isInteger(sloMs) || sloMs <= 0) throw invalidRequest(`Header ${SLO_HEADER} must be a positive whole number of milliseconds.`, SLO_HEADER);
  return { tags, sloMs };
}
