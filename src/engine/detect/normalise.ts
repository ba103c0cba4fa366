/**
 * Text as the detector reads it. Every request's text goes through this once, in one linear pass per string,
 * so that a number or keyword written to look right to a person but not to a pattern is still matched:
 * `\u0030`-escaped digits, a soft hyphen or a no-break space inside an SSN, a Cyrillic `М` in `MRN`.
 */

/** `\u0041`, `\u{1F600}`, `\x41`, `&#65;` and `&#x41;` written out as text: an LLM reads them as the characters. */
const ESCAPE =
  /\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|&#[xX]([0-9a-fA-F]{1,6});|&#(\d{1,7});/g;
const MAY_HOLD_ESCAPE = /\\[ux]|&#/;
/** Soft hyphens, zero-width characters, variation selectors, bidi controls…: invisible, so they only hide. */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
/** No-break, thin, ideographic and every other space but the newline (a separator the scan itself uses). */
const OTHER_SPACE = /(?![\n ])\s/g;
/** Hyphens and minus signs drawn like `-` (NFKC keeps U+2010, U+2011 and the minus sign apart from it). */
const OTHER_DASH = /[\u2010-\u2015\u2212\u2043\uFE58\uFE63\uFF0D]/g;
/** A digit outside ASCII (full-width, Arabic-Indic, Devanagari, …). */
const OTHER_DIGIT = /(?![0-9])\p{Nd}/gu;
const ASCII_ONLY = /^\p{ASCII}*$/u;
const isDigit = (cp: number) => /\p{Nd}/u.test(String.fromCodePoint(cp));

/**
 * Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables for the Latin alphabet): folded, so
 * `МRN` (a Cyrillic `М`) reads as the keyword it imitates. NFKC has already turned mathematical and full-width
 * letters into plain ones.
 */
const CONFUSABLE: Readonly<Record<string, string>> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  Ѕ: 'S',
  І: 'I',
  Ј: 'J',
  Ү: 'Y',
  Ԁ: 'D',
  Ԛ: 'Q',
  Ԝ: 'W',
  а: 'a',
  в: 'b',
  е: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ј: 'j',
  ԁ: 'd',
  һ: 'h',
  ԛ: 'q',
  ԝ: 'w',
  ү: 'y',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  ο: 'o',
  ν: 'v',
  ι: 'i',
  κ: 'k',
  ρ: 'p',
  α: 'a',
  υ: 'u',
  χ: 'x',
};
const CONFUSABLE_LETTER = new RegExp(`[${Object.keys(CONFUSABLE).join('')}]`, 'g');

function unescape(match: string, braced?: string, u?: string, x?: string, hex?: string, dec?: string): string {
  const cp = parseInt((braced ?? u ?? x ?? hex ?? dec) as string, dec === undefined ? 16 : 10);
  return cp <= 0x10ffff ? String.fromCodePoint(cp) : match;
}

/** A digit of any script as its ASCII digit: digits come in runs of ten, starting at zero. */
function asciiDigit(d: string): string {
  const cp = d.codePointAt(0) as number;
  let zero = cp;
  while (zero > cp - 9 && isDigit(zero - 1)) zero--;
  return String((cp - zero) % 10);
}

/** NFKC (a full-width `ｐｈｉ` is `phi`) with invisible characters removed: text as people see it. */
export function normaliseUnicode(text: string): string {
  return text.normalize('NFKC').replace(IGNORABLE, '');
}

/**
 * Text as the detector reads it: written-out escapes decoded, Unicode-normalised (NFKC), invisible characters
 * removed, every space a plain space and every dash a hyphen, look-alike letters folded to Latin, digits of every
 * script as ASCII
 * digits — so `１２３-４５-６７８９`, `123\u00AD-45-6789` or `МRN` is matched like the plain one.
 */
export function normaliseForDetection(text: string): string {
  const decoded = MAY_HOLD_ESCAPE.test(text) ? text.replace(ESCAPE, unescape) : text;
  // Plain ASCII (most prompts) is already what the patterns read.
  if (ASCII_ONLY.test(decoded)) return decoded;
  return normaliseUnicode(decoded)
    .replace(OTHER_SPACE, ' ')
    .replace(OTHER_DASH, '-')
    .replace(CONFUSABLE_LETTER, (c) => CONFUSABLE[c] as string)
    .replace(OTHER_DIGIT, asciiDigit);
}

const NON_ASCII_TEXT = /[^\p{ASCII}]/u;
/** A word as the vocabularies hold it: lower case, accents dropped ("Lúpus" → "lupus", "Tomás" → "tomas"). */
export function foldWord(word: string): string {
  const lower = word.toLowerCase();
  return NON_ASCII_TEXT.test(lower) ? lower.normalize('NFD').replace(/\p{M}/gu, '') : lower;
}
