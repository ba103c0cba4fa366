import { passesAbaChecksum, passesNhsChecksum, passesSinChecksum } from './checksums.js';
import { spansOf, type Span } from './spans.js';

/**
 * The context-word layer: identifiers with no check digit of their own (or one too weak to stand alone)
 * count only next to the words that name them — "MRN 48213", "DOB 03/04/1980", "passport 533380006". Every
 * pattern is bounded (no nested open-ended repetition), so matching is linear in the text.
 */

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]{0,6}\\.?';
const DATE = `(?:\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}|\\d{4}-\\d{2}-\\d{2}|\\d{1,2}\\s${MONTH}\\s\\d{4}|${MONTH}\\s\\d{1,2},?\\s\\d{4})`;
const NUMBER_WORD = '(?:\\s{1,3}(?:no\\.?|number|num|#))?(?:\\s{1,3}is)?\\s{0,3}[:#]?\\s{0,3}';

const MRN = new RegExp(`\\b(?:MRN|medical record)${NUMBER_WORD}[A-Z]{0,3}\\d[A-Z0-9-]{3,15}\\b`, 'gi');
const DOB = new RegExp(
  `\\b(?:DOB|D\\.O\\.B\\.?|date of birth|born(?: on)?|birth ?date)\\s{0,3}[:-]?\\s{0,3}${DATE}`,
  'gi',
);
// The number must hold at least five digits: "passport renewal" is not a passport number.
const PASSPORT = new RegExp(`\\bpassport${NUMBER_WORD}(?=[A-Z0-9]{0,4}\\d{5})[A-Z0-9]{6,9}\\b`, 'gi');
const ACCOUNT = new RegExp(`\\b(?:bank account|account|acct)${NUMBER_WORD}\\d{6,17}\\b`, 'gi');
const ROUTING = new RegExp(`\\b(?:routing|ABA|RTN)${NUMBER_WORD}(\\d{9})\\b`, 'gi');
const SIN = new RegExp(`\\b(?:SIN|social insurance(?: number)?)${NUMBER_WORD}(\\d{3}[ -]?\\d{3}[ -]?\\d{3})\\b`, 'gi');
const NHS = new RegExp(`\\bNHS${NUMBER_WORD}(\\d{3}[ -]?\\d{3}[ -]?\\d{4})\\b`, 'gi');

const digits = (m: RegExpMatchArray) => (m[1] as string).replace(/[ -]/g, '');

/** Identifiers named by the word before them, each with its kind and how sure a match is. */
export function contextSpans(text: string): Span[] {
  return [
    ...spansOf(text, MRN, 'mrn', 0.9),
    ...spansOf(text, DOB, 'dob', 0.9),
    ...spansOf(text, PASSPORT, 'passport', 0.85),
    ...spansOf(text, ACCOUNT, 'account_number', 0.85),
    ...spansOf(text, ROUTING, 'routing_number', 0.95, (m) => passesAbaChecksum(digits(m))),
    ...spansOf(text, SIN, 'sin', 0.95, (m) => passesSinChecksum(digits(m))),
    ...spansOf(text, NHS, 'nhs_number', 0.95, (m) => passesNhsChecksum(digits(m))),
  ];
}
