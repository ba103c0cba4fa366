/**
 * Finds sensitive content in text and says which tags it calls for. Pure and allocation-light: it runs on
 * every message of a tenant that opts in to auto-tagging. It reports kinds, never the matched text.
 */

export type FindingKind = 'email' | 'phone' | 'card' | 'ssn' | 'iban' | 'secret';

export const TAG_OF: Readonly<Record<FindingKind, string>> = {
  email: 'pii',
  phone: 'pii',
  ssn: 'pii',
  iban: 'pii',
  card: 'pci',
  secret: 'secret',
};

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
// International (+CC …) or North American ((555) 123-4567, 555-123-4567) forms; bare digit runs are not phones.
const PHONE = /(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){2,4}|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4})\b/;
const SSN = /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/;
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

/** The Luhn check digit test that every payment card number passes. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** ISO 13616 mod-97 check: move the first four characters to the end, letters to numbers, remainder 1. */
export function passesIbanChecksum(iban: string): boolean {
  const s = iban.replace(/ /g, '');
  if (s.length < 15 || s.length > 34) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

function hasCard(text: string): boolean {
  for (const m of text.matchAll(CARD_CANDIDATE)) {
    const digits = m[0].replace(/[ -]/g, '');
    // Same digit repeated (0000…) passes Luhn but is filler, not a card.
    if (digits.length >= 13 && digits.length <= 19 && !/^(\d)\1+$/.test(digits) && passesLuhn(digits)) return true;
  }
  return false;
}

function hasIban(text: string): boolean {
  for (const m of text.matchAll(IBAN_CANDIDATE)) if (passesIbanChecksum(m[0])) return true;
  return false;
}

// "jane at example dot com", "jane (at) example [dot] org": the last part must be a common top-level
// domain, so "look at this dot product" is not an address.
const OBFUSCATED_EMAIL = /\b[A-Za-z0-9._%+-]+\s*(?:\(at\)|\[at\]|\s+at\s+)\s*[A-Za-z0-9-]+(?:\s*(?:\(dot\)|\[dot\]|\s+dot\s+)\s*[A-Za-z0-9-]+)*\s*(?:\(dot\)|\[dot\]|\s+dot\s+)\s*(?:com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|eu|ch|ca|au|info|biz|me)\b/i;
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const ANY_DIGIT = /\p{Nd}/gu;
const isDigit = (cp: number) => /\p{Nd}/u.test(String.fromCodePoint(cp));

/** A digit of any script as its ASCII digit: digits come in runs of ten, starting at zero. */
function asciiDigit(d: string): string {
  const cp = d.codePointAt(0) as number;
  if (cp < 128) return d;
  let zero = cp;
  while (zero > cp - 9 && isDigit(zero - 1)) zero--;
  return String((cp - zero) % 10);
}

/**
 * Text as the detector reads it: Unicode-normalised (NFKC: full-width letters and digits become ASCII),
 * digits of every script as ASCII digits, zero-width characters removed — so `１２３-４５-６７８９` or an
 * Arabic-Indic number is matched like the plain one.
 */
export function normaliseForDetection(text: string): string {
  return text.normalize('NFKC').replace(ZERO_WIDTH, '').replace(ANY_DIGIT, asciiDigit);
}

/** The kinds of sensitive content in `text`, each once. */
export function findSensitive(text: string): FindingKind[] {
  const found: FindingKind[] = [];
  if (EMAIL.test(text) || OBFUSCATED_EMAIL.test(text)) found.push('email');
  if (SSN.test(text)) found.push('ssn');
  if (hasCard(text)) found.push('card');
  if (hasIban(text)) found.push('iban');
  if (PHONE.test(text) && !found.includes('ssn')) found.push('phone');
  if (SECRETS.some((re) => re.test(text))) found.push('secret');
  return found;
}

/**
 * The tags that the content of these texts calls for, sorted. Each text is read alone and all of them are
 * read again joined end to end, so a number or address split across parts or messages is still found.
 */
export function detectSensitiveTags(texts: Iterable<string>): string[] {
  const tags = new Set<string>();
  const all: string[] = [];
  for (const raw of texts) {
    const text = normaliseForDetection(raw);
    all.push(text);
    for (const kind of findSensitive(text)) tags.add(TAG_OF[kind]);
  }
  if (all.length > 1) for (const kind of findSensitive(all.join(''))) tags.add(TAG_OF[kind]);
  return [...tags].sort();
}
