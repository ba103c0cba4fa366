/**
 * The checksum layer: numbers that carry their own check digit are sensitive only when the digit is right,
 * which is what keeps order numbers, ISBNs and tracking codes out.
 */

const digitAt = (s: string, i: number) => s.charCodeAt(i) - 48;

/** The Luhn check digit test that every payment card number (and a Canadian SIN) passes. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digitAt(digits, i);
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Card issuers by prefix, with the lengths each issues: a Luhn-valid number outside them is not a card. */
const ISSUERS: readonly { prefix: RegExp; lengths: readonly number[] }[] = [
  { prefix: /^4/, lengths: [13, 16, 19] }, // Visa
  { prefix: /^(?:5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/, lengths: [16] }, // Mastercard
  { prefix: /^3[47]/, lengths: [15] }, // American Express
  { prefix: /^(?:6011|65|64[4-9])/, lengths: [16, 17, 18, 19] }, // Discover
  { prefix: /^35(?:2[89]|[3-8]\d)/, lengths: [16, 17, 18, 19] }, // JCB
  { prefix: /^(?:36|38|30[0-5])/, lengths: [14, 15, 16, 17, 18, 19] }, // Diners Club
  { prefix: /^62/, lengths: [16, 17, 18, 19] }, // UnionPay
  { prefix: /^(?:50|5[6-9]|6[0-9])/, lengths: [12, 13, 14, 15, 16, 17, 18, 19] }, // Maestro
];

export function isCardNumber(digits: string): boolean {
  if (/^(\d)\1+$/.test(digits)) return false;
  return ISSUERS.some((i) => i.prefix.test(digits) && i.lengths.includes(digits.length)) && passesLuhn(digits);
}

/** IBAN length by country (ISO 13616 registry): a valid checksum at the wrong length is not an IBAN. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  TN: 24,
  TR: 26,
  UA: 29,
  VG: 24,
  XK: 20,
};

/**
 * ISO 13616 mod-97 check at the country's length: first four characters to the end, letters to numbers, remainder 1.
 */
export function passesIbanChecksum(iban: string): boolean {
  const s = iban.replace(/ /g, '');
  if (IBAN_LENGTHS[s.slice(0, 2)] !== s.length) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + digitAt(digit, 0)) % 97;
  }
  return remainder === 1;
}

/** NHS number (England, Wales, Isle of Man): ten digits, the last a mod-11 check of the first nine. */
export function passesNhsChecksum(digits: string): boolean {
  if (digits.length !== 10 || /^(\d)\1+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += digitAt(digits, i) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === digitAt(digits, 9);
}

/** ABA routing number: nine digits, weights 3-7-1, a Federal Reserve prefix. */
export function passesAbaChecksum(digits: string): boolean {
  if (digits.length !== 9) return false;
  const prefix = Number(digits.slice(0, 2));
  if (!(prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80))
    return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += digitAt(digits, i) * [3, 7, 1][i % 3]!;
  return sum % 10 === 0 && !/^0+$/.test(digits);
}

/** Canadian Social Insurance Number: nine digits, Luhn; an 8 leads business numbers, not people's. */
export function passesSinChecksum(digits: string): boolean {
  return digits.length === 9 && digits[0] !== '8' && passesLuhn(digits);
}

/** The Dutch BSN's eleven-test: 9 digits, weights 9..2 and −1, a multiple of 11. */
export function passesBsnChecksum(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(digits[i]) * (9 - i);
  sum -= Number(digits[8]);
  return sum % 11 === 0 && sum > 0;
}

/** Brazil's CPF: 11 digits, two mod-11 check digits, not all one digit. */
export function passesCpfChecksum(digits: string): boolean {
  if (!/^\d{11}$/.test(digits) || /^(\d)\1{10}$/.test(digits)) return false;
  const check = (n: number) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Number(digits[i]) * (n + 1 - i);
    return ((sum * 10) % 11) % 10;
  };
  return check(9) === Number(digits[9]) && check(10) === Number(digits[10]);
}

/** Poland's PESEL: 11 digits, weights 1 3 7 9 repeating, check digit (10 − sum mod 10) mod 10. */
export function passesPeselChecksum(digits: string): boolean {
  if (!/^\d{11}$/.test(digits)) return false;
  const weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
  const sum = weights.reduce((s, w, i) => s + w * Number(digits[i]), 0);
  return (10 - (sum % 10)) % 10 === Number(digits[10]);
}

/** Spain's DNI (8 digits) and NIE (X/Y/Z and 7 digits): the check letter of the number mod 23. */
export function passesDniLetter(id: string): boolean {
  const m = /^([XYZ]|\d)(\d{7})([A-Z])$/.exec(id);
  if (!m) return false;
  const lead = { X: '0', Y: '1', Z: '2' }[m[1] as 'X'] ?? m[1];
  return 'TRWAGMYFPDXBNJZSQVHLCKE'[Number(`${lead}${m[2]}`) % 23] === m[3];
}

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** India's Aadhaar: 12 digits, not starting 0 or 1, Verhoeff's check digit. */
export function passesAadhaarChecksum(digits: string): boolean {
  if (!/^[2-9]\d{11}$/.test(digits)) return false;
  let c = 0;
  const reversed = [...digits].reverse();
  for (let i = 0; i < reversed.length; i++)
    c = (VERHOEFF_D[c] as number[])[(VERHOEFF_P[i % 8] as number[])[Number(reversed[i])] as number] as number;
  return c === 0;
}

/** Germany's Steuer-ID: 11 digits, not starting 0, ISO 7064 MOD 11,10 check digit. */
export function passesSteuerIdChecksum(digits: string): boolean {
  if (!/^[1-9]\d{10}$/.test(digits)) return false;
  let product = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (Number(digits[i]) + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  return (11 - product) % 10 === Number(digits[10]);
}

/** France's NIR: 13 characters (Corsica's 2A/2B read as 19/18) and a key of 97 − (number mod 97). */
export function passesNirKey(nir: string): boolean {
  const m = /^([12]\d{4})(\d{2}|2A|2B)(\d{6})(\d{2})$/.exec(nir);
  if (!m) return false;
  const dept = m[2] === '2A' ? '19' : m[2] === '2B' ? '18' : (m[2] as string);
  const number = BigInt(`${m[1]}${dept}${m[3]}`);
  return 97n - (number % 97n) === BigInt(m[4] as string);
}
