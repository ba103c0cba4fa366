/**
 * What each layer of the detector reports: where in the text it found something, what, and how sure it is. The spans
 * stay inside the detector and redaction; the decision and the log see only kinds and counts, never the text.
 */

export type FindingKind =
  | 'email'
  | 'phone'
  | 'card'
  | 'ssn'
  | 'iban'
  | 'national_id'
  | 'secret'
  | 'mrn'
  | 'dob'
  | 'passport'
  | 'account_number'
  | 'routing_number'
  | 'sin'
  | 'nhs_number'
  | 'address'
  | 'credential'
  | 'finance'
  | 'clinical';

/** A finding's kind, or a person's name: not sensitive alone, but what redaction masks and the clinical layer reads. */
export type SpanKind = FindingKind | 'person';

export interface Span {
  readonly start: number;
  readonly end: number;
  readonly kind: SpanKind;
  /** How sure the match is, 0–1: a checksum-bearing number is surer than a word in context. */
  readonly confidence: number;
}

/**
 * Every match of a global pattern that `keep` accepts (given the match), as spans of one kind: the whole match, or
 * only its capture group `group` (a name without the field word before it).
 */
export function spansOf(
  text: string,
  pattern: RegExp,
  kind: SpanKind,
  confidence: number,
  keep: (m: RegExpMatchArray) => boolean = () => true,
  group = 0,
): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(pattern)) {
    if (!keep(m)) continue;
    const part = m[group] ?? m[0];
    const start = (m.index ?? 0) + (group === 0 ? 0 : m[0].lastIndexOf(part));
    spans.push({ start, end: start + part.length, kind, confidence });
  }
  return spans;
}
