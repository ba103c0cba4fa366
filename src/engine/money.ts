/**
 * Money is exact. A per-token price is an integer number of pico-dollars (1e-12 USD), which is the same
 * number as micro-dollars per million tokens: every price in LiteLLM's catalogue is a whole number of
 * them. A request's cost is then an integer (tokens × pico-dollars), and totals are `bigint` because a
 * month of spend passes 2^53 pico-dollars (about $9,007).
 */

/** Pico-dollars in one US dollar. */
export const PICO_PER_USD = 1_000_000_000_000n;

/** USD per token (as catalogues write it, e.g. `1.25e-6`) → integer pico-dollars per token. */
export function picoPerTokenFromUsd(usdPerToken: number): number {
  return Math.round(usdPerToken * 1e12);
}

/** USD per million tokens (as people write it, e.g. `15`) → integer pico-dollars per token. */
export function picoPerTokenFromUsdPerMillion(usdPerMillion: number): number {
  return Math.round(usdPerMillion * 1e6);
}

/**
 * A decimal USD amount (config budgets, fixed costs) → exact pico-dollars. Goes through the decimal
 * string so `0.1` becomes 100000000000n, not the nearest binary fraction.
 * @example usdToPico(12.5) === 12_500_000_000_000n
 */
export function usdToPico(usd: number): bigint {
  if (!Number.isFinite(usd)) throw new RangeError(`not a finite amount of USD: ${usd}`);
  const [whole = '0', frac = ''] = Math.abs(usd).toFixed(12).split('.');
  const pico = BigInt(whole) * PICO_PER_USD + BigInt(frac.padEnd(12, '0').slice(0, 12));
  return usd < 0 ? -pico : pico;
}

/** Exact pico-dollars → a decimal USD string, rounded half away from zero to `digits` places. */
export function formatUsd(pico: bigint | number, digits = 6): string {
  const value = BigInt(pico);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const unit = 10n ** BigInt(12 - digits);
  const rounded = (abs + unit / 2n) / unit;
  const scale = 10n ** BigInt(digits);
  const whole = rounded / scale;
  const frac = (rounded % scale).toString().padStart(digits, '0');
  return `${negative && rounded !== 0n ? '-' : ''}${whole}${digits > 0 ? `.${frac}` : ''}`;
}

/** Pico-dollars → a float USD for display and for rule facts only; never sum these. */
export function picoToUsdNumber(pico: bigint | number): number {
  return Number(pico) / 1e12;
}
