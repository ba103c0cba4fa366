import { PICO_PER_USD } from '../engine/money.js';

/** A DECIMAL USD read back as text (`'12.500000000000'`, `'-0.5'`) → exact pico-dollars. */
export function decimalTextToPico(text: string | null | undefined): bigint {
  if (!text) return 0n;
  const negative = text.startsWith('-');
  const [whole = '0', frac = ''] = (negative ? text.slice(1) : text).split('.');
  const pico = BigInt(whole) * PICO_PER_USD + BigInt(frac.padEnd(12, '0').slice(0, 12));
  return negative ? -pico : pico;
}
