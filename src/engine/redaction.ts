import { Type, type Static } from '@sinclair/typebox';
import { ANALYZER_FAILED, SCAN_FAILED } from './detect-sensitive.js';
import type { Span, SpanKind } from './detect/spans.js';

/**
 * Redaction: what the detector found of the kinds a tenant lists is replaced, before planning, by typed placeholders
 * (`[PERSON_1]`, `[SSN_1]`; one value, one placeholder, within a request), and the request's level is computed from
 * what remains. The invariants of what it may never relax live here, beside clearance and residency, not in rules:
 * tags a caller or tenant gave stand; a kind not listed keeps its level; text still sensitive after masking keeps
 * its; a scan or an analyzer that failed relaxes nothing.
 */

const RedactableKind = Type.Union(
  (
    [
      'person',
      'ssn',
      'email',
      'phone',
      'card',
      'iban',
      'address',
      'national_id',
      'passport',
      'dob',
      'account_number',
      'routing_number',
      'sin',
      'nhs_number',
      'mrn',
      'secret',
      'credential',
      'finance',
    ] as const
  ).map((k) => Type.Literal(k)),
);
export type RedactableKind = Static<typeof RedactableKind>;

export const RedactionSchema = Type.Object(
  {
    /** The kinds masked; a kind not listed is sent as it is and keeps its level. */
    kinds: Type.Array(RedactableKind, { minItems: 1, uniqueItems: true }),
    mode: Type.Optional(Type.Literal('mask')),
    /** Put the original values back into the answer (default); `false` leaves the caller the placeholders. */
    restore: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RedactionConfig = Static<typeof RedactionSchema>;

/** A placeholder as written: the kind in capitals, a number. */
export const PLACEHOLDER = /\[([A-Z][A-Z_]{1,20})_(\d{1,6})\]/g;

/**
 * One request's masking: which value got which placeholder. Numbers already written in the request as literal
 * placeholders (`[PERSON_1]` typed by the caller) are never given out, so restoring touches only what was masked.
 * Held in the request's memory only: never logged, stored, cached or sent.
 */
export class Masking {
  private readonly byValue = new Map<string, string>();
  readonly originals = new Map<string, string>();
  private readonly next = new Map<string, number>();
  private readonly taken = new Set<string>();
  readonly kinds = new Set<SpanKind>();

  /** Every literal placeholder in the request's strings, so none is reused. */
  reserve(text: string): void {
    for (const m of text.matchAll(PLACEHOLDER)) this.taken.add(m[0]);
  }

  /** `text` with these spans (of listed kinds, as found) replaced by their placeholders. */
  mask(text: string, spans: readonly Span[]): string {
    let out = '';
    let at = 0;
    for (const span of nonOverlapping(spans)) {
      out += text.slice(at, span.start) + this.placeholderFor(span.kind, text.slice(span.start, span.end));
      at = span.end;
    }
    return at === 0 ? text : out + text.slice(at);
  }

  get count(): number {
    return this.originals.size;
  }

  private placeholderFor(kind: SpanKind, value: string): string {
    const key = `${kind}\u0000${value}`;
    const known = this.byValue.get(key);
    if (known) return known;
    const label = kind.toUpperCase();
    let n = this.next.get(label) ?? 1;
    while (this.taken.has(`[${label}_${n}]`)) n++;
    const placeholder = `[${label}_${n}]`;
    this.next.set(label, n + 1);
    this.byValue.set(key, placeholder);
    this.originals.set(placeholder, value);
    this.kinds.add(kind);
    return placeholder;
  }
}

/**
 * Overlapping spans become one, their union, named after the widest (a name inside an address is masked with the
 * address): no character of either is left unmasked.
 */
function nonOverlapping(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  for (const s of sorted) {
    const last = kept[kept.length - 1];
    if (last && s.start < last.end) {
      const widest = s.end - s.start > last.end - last.start ? s : last;
      kept[kept.length - 1] = { ...widest, start: last.start, end: Math.max(last.end, s.end) };
      continue;
    }
    kept.push(s);
  }
  return kept;
}

/** `text` with the placeholders this masking gave out put back; `escape` writes each value as it must appear there. */
export function restoreText(
  text: string,
  originals: ReadonlyMap<string, string>,
  escape: (value: string) => string = (v) => v,
): string {
  if (!text.includes('[')) return text;
  return text.replace(PLACEHOLDER, (placeholder) => {
    const value = originals.get(placeholder);
    return value === undefined ? placeholder : escape(value);
  });
}

/** The most a placeholder may be: what a stream holds back while it could still be one. */
const LONGEST = 30;
const MAY_BE_PLACEHOLDER = /\[[A-Z_]{0,21}(?:\d{0,6})?$/;

/**
 * Restores a text that arrives in pieces (a stream's deltas): a placeholder split across pieces is held back only
 * from its `[` until it completes or cannot be one, never the rest of the stream.
 */
export class StreamRestorer {
  private held = '';

  constructor(
    private readonly originals: ReadonlyMap<string, string>,
    private readonly escape: (value: string) => string = (v) => v,
  ) {}

  push(piece: string): string {
    const text = this.held + piece;
    const open = text.lastIndexOf('[');
    const tail = open >= 0 ? text.slice(open) : '';
    const hold = open >= 0 && tail.length < LONGEST && MAY_BE_PLACEHOLDER.test(tail);
    this.held = hold ? tail : '';
    return restoreText(hold ? text.slice(0, open) : text, this.originals, this.escape);
  }

  /** What is still held when the text ends. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return restoreText(rest, this.originals, this.escape);
  }
}

/**
 * The kinds a redacted request is planned with: what the scan still finds after masking, every kind found before that
 * the tenant did not list, and — when the scan or an analyzer failed on the original — everything found before,
 * the failure included: nothing is relaxed on a scan that did not complete.
 */
export function kindsAfterRedaction(
  before: readonly string[],
  after: readonly string[],
  listed: ReadonlySet<string>,
): string[] {
  const failed = (kinds: readonly string[]) => kinds.includes(SCAN_FAILED) || kinds.includes(ANALYZER_FAILED);
  const kept = failed(before) || failed(after) ? before : before.filter((k) => !listed.has(k));
  return [...new Set([...after, ...kept])].sort();
}
