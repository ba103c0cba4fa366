import { isCardNumber, passesIbanChecksum } from './detect/checksums.js';
import { hasClinicalDetailAboutPerson } from './detect/clinical.js';
import { CONTEXT_KINDS } from './detect/context-patterns.js';
import { normaliseForDetection } from './detect/normalise.js';
import { DEFAULT_SCAN_LIMITS, readBody, type ScanLimits } from './request-text.js';

/**
 * Finds sensitive content in text and says which tags it calls for, in three layers: numbers with their
 * own check digit (`detect/checksums.ts`), identifiers next to the words that name them
 * (`detect/context-patterns.ts`), and health details about a named person (`detect/clinical.ts`). Pure,
 * synchronous and linear in the text: it runs on every request of a tenant that opts in to auto-tagging.
 * It reports kinds and confidence, never the matched text.
 */

export type FindingKind =
  | 'email'
  | 'phone'
  | 'card'
  | 'ssn'
  | 'iban'
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
  | 'clinical';

/** What an analyzer's failure is reported as; the config's table says what it means (the top level by default). */
export const ANALYZER_FAILED = 'analyzer_failed';
/**
 * Encoded content the detector could not read (an image, a PDF, text past the decoding bound): the tenant's
 * `auto_tag_unreadable` level.
 */
export const UNREADABLE_CONTENT = 'unreadable_content';
/** A scan that failed (a limit reached, an exception): always the top level, whatever the config says. */
export const SCAN_FAILED = 'scan_failed';

export interface Finding {
  readonly kind: FindingKind;
  /** How sure the match is, 0–1: a checksum-bearing number is surer than a word in context. */
  readonly confidence: number;
}

/** The tag each kind calls for (every default tag needs the top level: see config-schema's DEFAULT_TAG_LEVELS). */
export const TAG_OF: Readonly<Record<FindingKind, string>> = {
  email: 'pii',
  phone: 'pii',
  ssn: 'pii',
  iban: 'pii',
  passport: 'pii',
  dob: 'pii',
  address: 'pii',
  sin: 'pii',
  account_number: 'pii',
  routing_number: 'pii',
  card: 'pci',
  secret: 'secret',
  credential: 'secret',
  mrn: 'phi',
  nhs_number: 'phi',
  clinical: 'phi',
};

// The local part starts where a run of its characters starts (the lookbehind), and every part is bounded:
// each position is tried once, so a 50 KB run of letters costs linear time, not quadratic.
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z])/;
// International (+CC …) or North American ((555) 123-4567, 555-123-4567) forms; bare digit runs are not phones.
const PHONE =
  /(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){2,4}|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4})\b/;
// Hyphens or spaces, the same both times: `123-45-6789`, `123 45 6789`.
const SSN = /\b(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\b/;
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;
const IBAN_CANDIDATE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const SECRETS = [
  /\bsk-ant-[A-Za-z0-9_-]{20,}/, // Anthropic
  /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}/, // OpenAI
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, // GitHub
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/, // Slack
  /\bAIza[0-9A-Za-z_-]{35}\b/, // Google API key
  /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/,
];

function hasCard(text: string): boolean {
  for (const m of text.matchAll(CARD_CANDIDATE)) if (isCardNumber(m[0].replace(/[ -]/g, ''))) return true;
  return false;
}

function hasIban(text: string): boolean {
  for (const m of text.matchAll(IBAN_CANDIDATE)) if (passesIbanChecksum(m[0])) return true;
  return false;
}

// "jane at example dot com", "jane (at) example [dot] org": the last part must be a common top-level
// domain, so "look at this dot product" is not an address.
const OBFUSCATED_EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}\s{0,3}(?:\(at\)|\[at\]|\sat\s)\s{0,3}[A-Za-z0-9-]{1,63}(?:\s{0,3}(?:\(dot\)|\[dot\]|\sdot\s)\s{0,3}[A-Za-z0-9-]{1,63}){0,4}\s{0,3}(?:\(dot\)|\[dot\]|\sdot\s)\s{0,3}(?:com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|eu|ch|ca|au|info|biz|me)\b/i;
const URL_WITH_SCHEME = /\b[a-z][a-z0-9+.-]{1,20}:\/\/\S{1,2048}/gi;
/** The kinds of sensitive content in `text`, each once, with how sure each is. */
export function findSensitive(text: string): Finding[] {
  const found: Finding[] = [];
  const add = (kind: FindingKind, confidence: number) => found.push({ kind, confidence });
  // A URL's `user:password@host` is a credential, not an email address.
  if (EMAIL.test(text.replace(URL_WITH_SCHEME, ' '))) add('email', 0.95);
  else if (OBFUSCATED_EMAIL.test(text)) add('email', 0.8);
  if (SSN.test(text)) add('ssn', 0.9);
  if (hasCard(text)) add('card', 0.99);
  if (hasIban(text)) add('iban', 0.99);
  if (PHONE.test(text) && !found.some((f) => f.kind === 'ssn')) add('phone', 0.8);
  if (SECRETS.some((re) => re.test(text))) add('secret', 0.99);
  for (const c of CONTEXT_KINDS) if (!found.some((f) => f.kind === c.kind) && c.test(text)) add(c.kind, c.confidence);
  if (hasClinicalDetailAboutPerson(text)) add('clinical', 0.8);
  return found;
}

/**
 * The kinds of sensitive content in these texts, sorted. Each text is read alone and all of them are read
 * again joined end to end, so a number or address split across parts or messages is still found.
 */
export function detectSensitiveKinds(texts: Iterable<string>): FindingKind[] {
  const kinds = new Set<FindingKind>();
  const all: string[] = [];
  for (const raw of texts) {
    const text = normaliseForDetection(raw);
    all.push(text);
    for (const f of findSensitive(text)) kinds.add(f.kind);
  }
  if (all.length > 1) for (const f of findSensitive(all.join(''))) kinds.add(f.kind);
  return [...kinds].sort();
}

/**
 * What the detector finds in a request body, read whole (`readBody`): the kinds of sensitive content, with
 * `unreadable_content` when some encoded content could not be read, and only `scan_failed` when the body
 * could not be read whole — a limit reached, or anything thrown. `clock` is a monotonic millisecond clock,
 * for the scan's time limit.
 */
export function detectInBody(body: unknown, limits: ScanLimits = DEFAULT_SCAN_LIMITS, clock?: () => number): string[] {
  try {
    const t0 = clock?.();
    const elapsedMs = clock && (() => clock() - (t0 as number));
    const text = readBody(body, limits, elapsedMs);
    const kinds = new Set<string>();
    for (const f of findSensitive(text.lines)) kinds.add(f.kind);
    for (const f of findSensitive(text.seams)) kinds.add(f.kind);
    if (elapsedMs && elapsedMs() > limits.timeoutMs) return [SCAN_FAILED];
    if (text.unreadable.length > 0) kinds.add(UNREADABLE_CONTENT);
    return [...kinds].sort();
  } catch {
    return [SCAN_FAILED];
  }
}
