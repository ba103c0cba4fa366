import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import {
  isCardNumber,
  passesAadhaarChecksum,
  passesBsnChecksum,
  passesCpfChecksum,
  passesDniLetter,
  passesNirKey,
  passesPeselChecksum,
  passesSteuerIdChecksum,
} from './checksums.js';
import { spansOf, type Span } from './spans.js';

/**
 * The identifier layer: numbers and addresses that carry their own proof — a check digit (cards by Luhn, IBANs through
 * `ibantools`, national ids by their country's rule) or a shape no other text has (an email address, an SSN). A
 * national id with a weak check (nine digits pass the Dutch eleven-test one time in eleven) counts only beside the
 * word that names it.
 */

// The local part starts where a run of its characters starts (the lookbehind), and every part is bounded: linear.
const EMAIL =
  /(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]{1,64})@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24})(?![A-Za-z])/g;
/** A URL's `user:password@host` is a credential, not an email address. */
const URL_WITH_SCHEME = /\b[a-z][a-z0-9+.-]{1,20}:\/\/\S{1,2048}/gi;
/** Domains reserved for examples and tests (RFC 2606, RFC 6761): in a test or made-up record, an address of no one. */
const EXAMPLE_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$/i;
const MADE_UP =
  /\b(?:mock|fake|dummy|placeholder|sample|synthetic|fixtures?|unit tests?|test cases?|Jest|validat\w+|regex|storybook)\b/i;
// "jane at example dot com", "jane (at) example [dot] org": the last part must be a common top-level domain, so
// "look at this dot product" is not an address.
const OBFUSCATED_EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}\s{0,3}(?:\(at\)|\[at\]|\sat\s)\s{0,3}[A-Za-z0-9-]{1,63}(?:\s{0,3}(?:\(dot\)|\[dot\]|\sdot\s)\s{0,3}[A-Za-z0-9-]{1,63}){0,4}\s{0,3}(?:\(dot\)|\[dot\]|\sdot\s)\s{0,3}(?:com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|eu|ch|ca|au|info|biz|me)\b/gi;
/** A team's inbox, not a person's. */
const ROLE_MAILBOX =
  /^(?:support|sales|info|hello|contact|no-?reply|admin|office|billing|team|help|press|careers|jobs|hr|service|enquiries|inquiries|marketing|accounts|security|privacy|legal|abuse|webmaster|postmaster)$/i;

function emails(text: string): Span[] {
  const masked = text.replace(URL_WITH_SCHEME, (url) => ' '.repeat(url.length));
  const madeUp = MADE_UP.test(text);
  return [
    ...spansOf(
      masked,
      EMAIL,
      'email',
      0.95,
      (m) => !(madeUp && EXAMPLE_DOMAIN.test(m[2] as string)) && !ROLE_MAILBOX.test(m[1] as string),
    ),
    ...spansOf(text, OBFUSCATED_EMAIL, 'email', 0.8),
  ];
}

// Hyphens, spaces or dots, the same both times: `123-45-6789`, `123 45 6789`, `123.45.6789`.
const SSN = /\b(?!000|666|9\d\d)\d{3}([- .])(?!00)\d{2}\1(?!0000)\d{4}\b/g;
// Nine bare digits are an SSN only where the text names SSNs (a column header, "social security").
const SSN_WORD = /\b(?:ssn|ssns|social security)\b/i;
const BARE_SSN = /\b(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}\b/g;

const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;
const IBAN_CANDIDATE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;

const digitsOf = (s: string) => s.replace(/\D/g, '');

/** A national id: its shape, the words that name it (when its check is weak), and its check. */
interface NationalId {
  readonly pattern: RegExp;
  readonly word?: RegExp;
  readonly valid: (match: string) => boolean;
  /** Holds letters among fewer than nine digits (the UK's NI number, India's PAN, Spain's NIE). */
  readonly letters?: true;
}

const NATIONAL_IDS: readonly NationalId[] = [
  // Brazil's CPF, written 000.000.000-00 (its two check digits make the written form enough).
  { pattern: /\b\d{3}\.\d{3}\.\d{3}-\d{2}\b/g, valid: (m) => passesCpfChecksum(digitsOf(m)) },
  { pattern: /\b\d{11}\b/g, word: /\bCPF\b/, valid: (m) => passesCpfChecksum(m) },
  // Spain's DNI and NIE: the check letter.
  { pattern: /\b(?:[XYZ]\d{7}|\d{8})-?[A-Z]\b/g, valid: (m) => passesDniLetter(m.replace('-', '')), letters: true },
  { pattern: /\b\d{9}\b/g, word: /\b(?:BSN|burgerservicenummer|sofi-?nummer)\b/i, valid: passesBsnChecksum },
  { pattern: /\b\d{11}\b/g, word: /\bPESEL\b/i, valid: passesPeselChecksum },
  {
    pattern: /\b\d{4} ?\d{4} ?\d{4}\b/g,
    word: /\b(?:aadhaa?r|UIDAI)\b/i,
    valid: (m) => passesAadhaarChecksum(digitsOf(m)),
  },
  {
    pattern: /\b\d{2} ?\d{3} ?\d{3} ?\d{3}\b/g,
    word: /\b(?:Steuer-?ID|Steueridentifikationsnummer|IdNr|tax id)\b/i,
    valid: (m) => passesSteuerIdChecksum(digitsOf(m)),
  },
  // France's NIR (numéro de sécurité sociale), spaced or not: its key.
  {
    pattern: /\b[12] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}\b/g,
    valid: (m) => passesNirKey(m.replace(/ /g, '')),
  },
  // The UK's National Insurance number: no check digit, so only beside its name.
  {
    pattern: /\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g,
    word: /\b(?:NI number|NINO|national insurance)\b/i,
    valid: () => true,
    letters: true,
  },
  // India's PAN: a shape with a structure (the fourth letter a holder type), beside its name.
  { pattern: /\b[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]\b/g, word: /\bPAN\b/, valid: () => true, letters: true },
];

/** The longest run of digits (spaces, dots and dashes between them allowed) national ids need: nine. */
const NINE_DIGITS = /\d(?:[ .-]?\d){8}/;

function nationalIds(text: string): Span[] {
  const spans: Span[] = [];
  const digits = NINE_DIGITS.test(text);
  for (const id of NATIONAL_IDS) {
    if ((id.word && !id.word.test(text)) || (!digits && !id.letters)) continue;
    spans.push(...spansOf(text, id.pattern, 'national_id', id.word ? 0.85 : 0.95, (m) => id.valid(m[0])));
  }
  return spans;
}

/** Every identifier in `text` that proves itself: emails, SSNs, cards, IBANs, national ids. */
export function identifierSpans(text: string): Span[] {
  const long = THIRTEEN_DIGITS.test(text);
  return [
    ...(mayHoldEmail(text) ? emails(text) : []),
    ...spansOf(text, SSN, 'ssn', 0.9),
    ...(SSN_WORD.test(text) ? spansOf(text, BARE_SSN, 'ssn', 0.8) : []),
    ...(long ? spansOf(text, CARD_CANDIDATE, 'card', 0.99, (m) => isCardNumber(m[0].replace(/[ -]/g, ''))) : []),
    ...(IBAN_START.test(text)
      ? spansOf(text, IBAN_CANDIDATE, 'iban', 0.99, (m) => isValidIBAN(electronicFormatIBAN(m[0]) ?? ''))
      : []),
    ...nationalIds(text),
  ];
}

const THIRTEEN_DIGITS = /\d(?:[ -]?\d){12}/;
const IBAN_START = /\b[A-Z]{2}\d{2}/;
const OBFUSCATED_AT = /\s(?:at|\(at\)|\[at\])\s/i;
/** An `@`, or an "at" spelled out: without one, no email address can be in the text. */
export const mayHoldEmail = (text: string) => text.includes('@') || OBFUSCATED_AT.test(text);
