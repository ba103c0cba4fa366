import { describe, expect, it } from 'vitest';
import {
  formatUsd,
  picoPerTokenFromUsd,
  picoPerTokenFromUsdPerMillion,
  picoToUsdNumber,
  usdToPico,
} from '../src/engine/money.js';

describe('money', () => {
  it('per-token prices become whole pico-dollars, from per-token or per-million figures', () => {
    expect(picoPerTokenFromUsd(1.25e-6)).toBe(1_250_000);
    expect(picoPerTokenFromUsdPerMillion(15)).toBe(15_000_000);
    expect(picoPerTokenFromUsdPerMillion(0.075)).toBe(75_000);
  });

  it('decimal dollars become exact pico-dollars, through the decimal string', () => {
    expect(usdToPico(0.1)).toBe(100_000_000_000n);
    expect(usdToPico(1000)).toBe(1_000_000_000_000_000n);
    expect(usdToPico(12.5)).toBe(12_500_000_000_000n);
    expect(usdToPico(0.000000000001)).toBe(1n);
    expect(usdToPico(0)).toBe(0n);
    expect(usdToPico(-2.25)).toBe(-2_250_000_000_000n);
  });

  it('refuses amounts that are not finite, naming them', () => {
    expect(() => usdToPico(Number.NaN)).toThrow('not a finite amount of USD: NaN');
    expect(() => usdToPico(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('formats rounding half away from zero, with no minus sign on what rounds to zero', () => {
    expect(formatUsd(1_234_567_890n)).toBe('0.001235');
    expect(formatUsd(3_437_500_000_000n, 6)).toBe('3.437500');
    expect(formatUsd(1_500_000n, 6)).toBe('0.000002');
    expect(formatUsd(-2_500_000_000_000n, 2)).toBe('-2.50');
    expect(formatUsd(-1_234_567_890n)).toBe('-0.001235');
    expect(formatUsd(500_000n)).toBe('0.000001');
    expect(formatUsd(-400_000n)).toBe('0.000000');
    expect(formatUsd(0n)).toBe('0.000000');
    expect(formatUsd(2_500_000_000_000n, 0)).toBe('3');
    expect(formatUsd(-2_500_000_000_000n, 0)).toBe('-3');
    expect(formatUsd(123_456_789_012n, 12)).toBe('0.123456789012');
    expect(formatUsd(1_000_000, 2)).toBe('0.00');
  });

  it('converts to a float only for display', () => {
    expect(picoToUsdNumber(1_500_000_000_000n)).toBe(1.5);
    expect(picoToUsdNumber(-250_000_000_000)).toBe(-0.25);
  });
});
