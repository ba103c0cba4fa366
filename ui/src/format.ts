/** Numbers with thousands separators and units, times in the viewer's zone (UTC on hover). */
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export const count = (n: number | null | undefined) => (n === null || n === undefined ? '—' : integer.format(n));
export const ms = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${decimal.format(n)} ms`);
export const pct = (part: number, whole: number) => (whole === 0 ? '—' : `${decimal.format((100 * part) / whole)} %`);

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const digits = n !== 0 && Math.abs(n) < 0.01 ? 6 : 2;
  return `$${n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: digits })}`;
}

export function tokens(n: number): string {
  if (n >= 1e9) return `${decimal.format(n / 1e9)}B`;
  if (n >= 1e6) return `${decimal.format(n / 1e6)}M`;
  if (n >= 1e3) return `${decimal.format(n / 1e3)}k`;
  return integer.format(n);
}

export const localTime = (epochMs: number) => new Date(epochMs).toLocaleString();
export const utcTime = (epochMs: number) => new Date(epochMs).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
