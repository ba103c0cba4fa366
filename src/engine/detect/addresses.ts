import { spansOf, type Span } from './spans.js';

/**
 * The address layer: a postal address is a number, a street word and a postcode or city, written as each country
 * writes it. It is someone's personal data next to a person's name (the combining step checks that), and a business's
 * address otherwise.
 */

const CITY = "\\p{Lu}[\\p{L}'-]{1,30}(?:[ -]\\p{Lu}[\\p{L}'-]{1,30}){0,2}";
const US_STREET =
  '(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Ct|Court|Way|Pl|Place|Ter|Terrace|Pkwy|Parkway)';
const ADDRESSES: readonly RegExp[] = [
  // US: 2217 W Belmont Ave, Apt 3R, Chicago, IL 60618
  new RegExp(
    `\\b\\d{1,6}\\s(?:[NSEW]\\.?\\s)?(?:\\p{Lu}[\\p{L}]{1,20}\\s){1,3}${US_STREET}\\b\\.?(?:,?\\s(?:Apt|Suite|Unit|#)\\.?\\s?[A-Za-z0-9]{1,6})?,?\\s${CITY},?\\s[A-Z]{2}\\s\\d{5}(?:-\\d{4})?\\b`,
    'gu',
  ),
  // UK: a number and street, then a postcode (12 Acacia Road, Leeds LS6 2AB)
  /\b\d{1,4}[A-Za-z]?,?\s(?:[A-Z][a-z]{1,20}\s){1,3}(?:Street|St|Road|Rd|Lane|Avenue|Close|Drive|Way|Crescent|Gardens|Terrace|Place|Grove|Court|Square|Hill|Row|Walk|Mews)\b[^\n]{0,40}?\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[A-Z]{2}\b/g,
  // German-speaking: Lindenstraße 27, 50674 Köln
  new RegExp(
    `\\b\\p{Lu}[\\p{L}-]{1,30}(?:straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee)\\s\\d{1,4}\\s?[a-z]?,?\\s\\d{4,5}\\s${CITY}`,
    'gu',
  ),
  // French: 8 rue des Lilas, 69003 Lyon
  new RegExp(
    `\\b\\d{1,4}(?:\\s?(?:bis|ter))?,?\\s(?:rue|avenue|av\\.|boulevard|bd|place|chemin|impasse|all[ée]e|quai|route)\\s[^,\\n]{2,40},?\\s\\d{5}\\s${CITY}`,
    'giu',
  ),
  // Spanish and Portuguese: Calle Mayor 12, 28013 Madrid; Rua das Flores, 120 - 01234-567 São Paulo
  new RegExp(
    `\\b(?:C/|Calle|Avda\\.?|Avenida|Rua|R\\.|Av\\.|Travessa|Plaza|Paseo)\\s[^,\\n]{2,40},?\\s?(?:n[º°o]\\.?\\s?)?\\d{1,5}[^\\n]{0,30}?\\b\\d{5}(?:-\\d{3})?\\b`,
    'giu',
  ),
  // Polish: ul. Długa 15/3, 00-238 Warszawa
  new RegExp(`\\bul\\.\\s[^,\\n]{2,30}\\s\\d{1,4}(?:/\\d{1,4})?,?\\s\\d{2}-\\d{3}\\s${CITY}`, 'gu'),
  // Indian: Flat 4B, Lakeview Apartments, …, Bengaluru 560038
  new RegExp(
    `\\b(?:Flat|House|H\\.? ?No\\.?|Plot|Door)\\s?[A-Za-z0-9/-]{1,6},[^\\n]{5,90}?\\b${CITY}\\s?-?\\s?[1-9]\\d{5}\\b`,
    'gu',
  ),
];

/**
 * A cheap test before each pattern: the word or shape it cannot match without (most texts have none, and the
 * patterns' Unicode classes cost more than this).
 */
const HINTS: readonly RegExp[] = [
  /\b[A-Z]{2}\s\d{5}\b/,
  /\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b/,
  /(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee)\s\d/i,
  /\b(?:rue|avenue|av\.|boulevard|bd|place|chemin|impasse|all[ée]e|quai|route)\s/i,
  /\b(?:C\/|Calle|Avda|Avenida|Rua|R\.|Av\.|Travessa|Plaza|Paseo)\s/i,
  /\bul\.\s/,
  /\b(?:Flat|House|H\.? ?No|Plot|Door)\b/,
];

export function addressSpans(text: string): Span[] {
  return ADDRESSES.flatMap((pattern, i) =>
    (HINTS[i] as RegExp).test(text) ? spansOf(text, pattern, 'address', 0.85) : [],
  );
}
