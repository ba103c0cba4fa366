import { passesAbaChecksum, passesNhsChecksum, passesSinChecksum } from './checksums.js';

/**
 * The context-word layer: identifiers with no check digit of their own (or one too weak to stand alone)
 * count only next to the words that name them — "MRN 48213", "DOB 03/04/1980", "passport 533380006". Every
 * pattern is bounded (no nested open-ended repetition), so matching is linear in the text.
 */

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]{0,6}\\.?';
const DATE = `(?:\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}|\\d{4}-\\d{2}-\\d{2}|\\d{1,2}\\s${MONTH}\\s\\d{4}|${MONTH}\\s\\d{1,2},?\\s\\d{4})`;
const NUMBER_WORD = '(?:\\s{1,3}(?:no\\.?|number|num|#))?(?:\\s{1,3}is)?\\s{0,3}[:#]?\\s{0,3}';

export const MRN = new RegExp(`\\b(?:MRN|medical record)${NUMBER_WORD}[A-Z]{0,3}\\d[A-Z0-9-]{3,15}\\b`, 'i');
export const DOB = new RegExp(
  `\\b(?:DOB|D\\.O\\.B\\.?|date of birth|born(?: on)?|birth ?date)\\s{0,3}[:-]?\\s{0,3}${DATE}`,
  'i',
);
// The number must hold at least five digits: "passport renewal" is not a passport number.
export const PASSPORT = new RegExp(`\\bpassport${NUMBER_WORD}(?=[A-Z0-9]{0,4}\\d{5})[A-Z0-9]{6,9}\\b`, 'i');
export const ACCOUNT = new RegExp(`\\b(?:bank account|account|acct)${NUMBER_WORD}\\d{6,17}\\b`, 'i');
const ROUTING = new RegExp(`\\b(?:routing|ABA|RTN)${NUMBER_WORD}(\\d{9})\\b`, 'gi');
const SIN = new RegExp(`\\b(?:SIN|social insurance(?: number)?)${NUMBER_WORD}(\\d{3}[ -]?\\d{3}[ -]?\\d{3})\\b`, 'gi');
const NHS = new RegExp(`\\bNHS${NUMBER_WORD}(\\d{3}[ -]?\\d{3}[ -]?\\d{4})\\b`, 'gi');
// Local (national) phone numbers, which lack the +CC the phone layer keys on: only after a word for a phone.
export const LOCAL_PHONE =
  /\b(?:phone|tel|telephone|mobile|cell|landline|call me on|call me at|ring me on|reach me on|text me on)\b\.?\s{0,3}[:.]?\s{0,3}(?:\(?0\d{2,4}\)?[ -]?\d{3,4}[ -]?\d{3,4}|\d{3}[ .-]\d{4})\b/i;
// A US street address with city, state and ZIP.
export const US_ADDRESS =
  /\b\d{1,6}\s(?:[A-Z][a-z]{1,20}\s){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Ct|Court|Way|Pl|Place|Ter|Terrace|Pkwy|Parkway)\b\.?(?:,?\s(?:Apt|Suite|Unit)\.?\s?[A-Za-z0-9]{1,6})?,?\s(?:[A-Z][a-z]{1,20}\s?){1,3},?\s[A-Z]{2}\s\d{5}(?:-\d{4})?\b/;
// A UK postcode counts beside an address word: alone, "SW1A 1AA" could be a product code.
const UK_POSTCODE = /\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[A-Z]{2}\b/;
const ADDRESS_WORD = /\b(?:address|lives? at|living at|moved to|postcode|post code|street|road|lane|avenue|flat \d)\b/i;
// Credentials: a password given with ':' or '=' (or "is" followed by something that is not a plain word).
const PASSWORD =
  /\b(?:password|passwd|pwd|passcode|passphrase)\s{0,3}(?:[:=]\s{0,3}(?!\*{3,}|<[^>]{0,40}>|\$\{|x{3,}\b|\.\.\.)[^\s,;]{4,64}|\sis\s{1,3}(?=[^\s]{0,63}[\d!@#$%^&*_])[^\s,;]{6,64})/i;
const DSN = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:@/]{1,64}:([^\s@/]{1,128})@[^\s/]{1,255}/gi;
const PLACEHOLDER =
  /^(?:password|pass|pwd|secret|changeme|x{3,}|\*{3,}|<[^>]*>|\$\{[^}]*\}|\{[^}]*\}|%s|\.{3}|\[[^\]]*\])$/i;

/** Each pattern, the kind it finds and how sure a match is. */
export const CONTEXT_KINDS = [
  { kind: 'mrn', confidence: 0.9, test: (t: string) => MRN.test(t) },
  { kind: 'dob', confidence: 0.9, test: (t: string) => DOB.test(t) },
  { kind: 'passport', confidence: 0.85, test: (t: string) => PASSPORT.test(t) },
  { kind: 'account_number', confidence: 0.85, test: (t: string) => ACCOUNT.test(t) },
  { kind: 'routing_number', confidence: 0.95, test: (t: string) => checked(ROUTING, t, passesAbaChecksum) },
  { kind: 'sin', confidence: 0.95, test: (t: string) => checked(SIN, t, passesSinChecksum) },
  { kind: 'nhs_number', confidence: 0.95, test: (t: string) => checked(NHS, t, passesNhsChecksum) },
  { kind: 'phone', confidence: 0.8, test: (t: string) => LOCAL_PHONE.test(t) },
  {
    kind: 'address',
    confidence: 0.85,
    test: (t: string) => US_ADDRESS.test(t) || (UK_POSTCODE.test(t) && ADDRESS_WORD.test(t)),
  },
  { kind: 'credential', confidence: 0.9, test: (t: string) => PASSWORD.test(t) || dsnWithPassword(t) },
] as const;

// Every match is tried, not the first alone: a body is read as one text, and a number that fails its check
// must not hide a later one that passes.
function checked(pattern: RegExp, text: string, valid: (digits: string) => boolean): boolean {
  for (const m of text.matchAll(pattern)) if (valid((m[1] as string).replace(/[ -]/g, ''))) return true;
  return false;
}

function dsnWithPassword(text: string): boolean {
  for (const m of text.matchAll(DSN)) if (!PLACEHOLDER.test(m[1] as string)) return true;
  return false;
}
