import { findPhoneNumbersInText, type CountryCode } from 'libphonenumber-js/max';
import type { Span } from './spans.js';

/**
 * The phone layer, through `libphonenumber-js` (Google's libphonenumber metadata, which knows every country's
 * numbering plan): a number with its country code anywhere, valid for its plan; a national number ("030 12345678",
 * "06 12 34 56 78") only after a word for a phone, read in the first country whose plan it fits. A business's
 * number (toll-free, premium, or named as a company's line) is nobody's personal data.
 */

/** Words, in the corpus's languages, that say a phone number follows. */
const PHONE_WORD =
  /\b(?:phone|tel|telephone|mobile|cell|landline|call me|ring me|reach me|text me|whatsapp|my number|number is|n[úu]mero|portable|t[ée]l[ée]phone|t[ée]l|handy|telefon|ruf mich an|anrufen|zadzwo[ńn]|kom[óo]rk[ai]|celular|m[óo]vil|contact me)\b/giu;
/** The countries whose national formats are tried, most used first. */
const COUNTRIES: readonly CountryCode[] = ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'BR', 'PT', 'IN', 'MX'];
const NOT_PERSONAL = new Set(['TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'UAN', 'VOICEMAIL']);
/** A company's line: said so just before the number. */
const BUSINESS =
  /\b(?:support|sales|service|office|reception|hotline|helpline|customer service|switchboard|head ?quarters|HQ|main line|fax|Ltd|GmbH|Inc|LLC|plc|S\.A\.|S\.L\.|store|shop|restaurant)\b/i;

/** North America's written forms: an area code and exchange that cannot start with 0 or 1. */
const NANP = /(?<![\d-])(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[-.])[2-9]\d{2}[-.]\d{4}(?![\d-])/g;

const MAX_WINDOWS = 32;
const INTERNATIONAL = /\+\s?\d/;
const SEVEN_DIGITS = /\d(?:\D{0,3}\d){6}/;

const businessLine = (text: string, start: number) => BUSINESS.test(text.slice(Math.max(0, start - 80), start));

export function phoneSpans(text: string): Span[] {
  const spans: Span[] = [];
  const taken = (start: number) => spans.some((s) => start >= s.start && start < s.end);
  const add = (start: number, end: number, confidence: number) => {
    if (!taken(start) && !businessLine(text, start)) spans.push({ start, end, kind: 'phone', confidence });
  };
  // With a country code: the plan says whether it exists.
  if (INTERNATIONAL.test(text))
    for (const found of findPhoneNumbersInText(text)) {
      const type = found.number.getType();
      if (found.number.isValid() && !(type && NOT_PERSONAL.has(type))) add(found.startsAt, found.endsAt, 0.85);
    }
  // North American numbers written as such, "(415) 555-0134", "212-555-0187": a shape of their own.
  for (const m of text.matchAll(NANP)) add(m.index ?? 0, (m.index ?? 0) + m[0].length, 0.8);
  // National formats, after a phone word: the first country whose plan allows the number.
  if (!SEVEN_DIGITS.test(text)) return spans;
  let windows = 0;
  for (const word of text.matchAll(PHONE_WORD)) {
    // Bounded: a text of nothing but phone words costs 32 look-ups at most, not one per word.
    if (++windows > MAX_WINDOWS) break;
    const from = (word.index ?? 0) + word[0].length;
    const window = text.slice(from, from + 48);
    if (!SEVEN_DIGITS.test(window)) continue;
    for (const country of COUNTRIES) {
      const found = findPhoneNumbersInText(window, { defaultCountry: country }).find(
        (f) => f.number.isPossible() && !NOT_PERSONAL.has(f.number.getType() ?? ''),
      );
      if (found) {
        add(from + found.startsAt, from + found.endsAt, 0.8);
        break;
      }
    }
  }
  return spans;
}
