import { detectInBody, detectSpans, SCAN_FAILED } from './detect-sensitive.js';
import { normaliseForDetection } from './detect/normalise.js';
import { kindsAfterRedaction, Masking } from './redaction.js';
import type { ScanLimits } from './request-text.js';

/** What redaction made of a body: the body to send, its masking, and the kinds to plan with. */
export interface RedactedBody {
  readonly body: unknown;
  readonly masking: Masking;
  /** What the scan found before masking, and what it finds in the body as masked, combined by the invariants. */
  readonly scanned: readonly string[];
  /** What the scan found in the body as it came: the level the request would have had. */
  readonly before: readonly string[];
}

/** Deeper than any request: a body nested past this is refused rather than walked (and nothing is relaxed). */
const MAX_DEPTH = 64;

function eachString(value: unknown, visit: (s: string) => void, depth = 0): void {
  if (depth > MAX_DEPTH) throw new RangeError('nested too deep to redact');
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const v of value) eachString(v, visit, depth + 1);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) eachString(v, visit, depth + 1);
}

async function mapStrings(value: unknown, map: (s: string) => Promise<string>, depth = 0): Promise<unknown> {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return Promise.all(value.map((v) => mapStrings(v, map, depth + 1)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await mapStrings(v, map, depth + 1);
    return out;
  }
  return value;
}

/**
 * Masks what the detector finds of the listed kinds in every string of a body — messages, system prompts, tool
 * results and descriptions, Responses `input` items: every value the scan reads — and scans the masked body again.
 * The kinds to plan with come from both scans through the invariants (`kindsAfterRedaction`); a body that cannot
 * be walked or scanned is sent as it came and planned at its unredacted level.
 */
export async function redactBody(
  body: unknown,
  kinds: ReadonlySet<string>,
  limits: ScanLimits | undefined,
  clock?: () => number,
): Promise<RedactedBody> {
  const masking = new Masking();
  const before = await detectInBody(body, limits, clock);
  // A scan that did not complete relaxes nothing: the body goes as it came, at its unredacted level.
  if (before.includes(SCAN_FAILED)) return { body, masking, scanned: before, before };
  let masked: unknown;
  try {
    eachString(body, (s) => masking.reserve(s));
    masked = await mapStrings(body, async (s) => {
      const spans = (await detectSpans(s, { names: kinds.has('person') })).filter((span) => kinds.has(span.kind));
      if (spans.length === 0) return s;
      // The spans are offsets into the text as normalised. Where normalising kept every offset (a look-alike letter, a
      // wide digit), the caller's own text is masked; else (escapes written out, hidden characters dropped) the
      // normalised text is sent, masked.
      const normalised = normaliseForDetection(s);
      return masking.mask(normalised.length === s.length ? s : normalised, spans);
    });
  } catch {
    return { body, masking: new Masking(), scanned: before, before };
  }
  if (masking.count === 0) return { body, masking, scanned: before, before };
  const after = await detectInBody(masked, limits, clock);
  return { body: masked, masking, scanned: kindsAfterRedaction(before, after, kinds), before };
}
