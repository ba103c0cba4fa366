import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOGUE } from '../src/engine/builtin-catalogue.js';
import { formatUsd, usdToPico } from '../src/engine/money.js';
import { costOfUsage, readLiteLlmCatalogue, withFee } from '../src/engine/prices.js';

const SHARED_CATALOGUE = new URL('../../shared/data/litellm-model-prices.json', import.meta.url);

describe('money', () => {
  it('converts decimal USD exactly', () => {
    expect(usdToPico(0.1)).toBe(100_000_000_000n);
    expect(usdToPico(12.5)).toBe(12_500_000_000_000n);
    expect(usdToPico(1000)).toBe(1_000_000_000_000_000n);
  });
  it('formats pico-dollars, rounding half up', () => {
    expect(formatUsd(3_437_500_000_000n, 6)).toBe('3.437500');
    expect(formatUsd(1_500_000n, 6)).toBe('0.000002');
    expect(formatUsd(-2_500_000_000_000n, 2)).toBe('-2.50');
  });
  it('sums what floats cannot: 0.75 × $1.25/M + 0.25 × $10/M per M tokens is $3.4375 exactly', () => {
    const gpt5 = readLiteLlmCatalogue(BUILTIN_CATALOGUE).get('gpt-5')!;
    const cost = costOfUsage({ input: 750_000, output: 250_000 }, gpt5);
    expect(formatUsd(cost, 12)).toBe('3.437500000000');
  });
});

describe('request cost', () => {
  const catalogue = readLiteLlmCatalogue(BUILTIN_CATALOGUE);
  it('prices input, cached input, cache writes and output separately', () => {
    const sonnet = catalogue.get('claude-sonnet-4-6')!;
    // 1000 prompt tokens: 600 fresh at $3/M, 300 cache reads at $0.30/M, 100 cache writes at $3.75/M; 200 out at $15/M.
    const cost = costOfUsage({ input: 1000, output: 200, cachedInput: 300, cacheWrite: 100 }, sonnet);
    expect(cost).toBe(600 * 3_000_000 + 300 * 300_000 + 100 * 3_750_000 + 200 * 15_000_000);
    expect(formatUsd(cost)).toBe('0.005265');
  });
  it('folds an aggregator fee into the per-token price', () => {
    const feed = withFee(catalogue.get('gpt-5')!, 550, 0);
    expect(feed.input).toBe(1_318_750);
    expect(feed.output).toBe(10_550_000);
  });
});

describe("LiteLLM's catalogue format", () => {
  it('skips non-model keys and entries without token prices', () => {
    const c = readLiteLlmCatalogue({
      sample_spec: { input_cost_per_token: 0, output_cost_per_token: 0, litellm_provider: 'x' },
      last_updated: '2026-07-24',
      fallback_generalizations: { rules: [] },
      'dall-e-3': { litellm_provider: 'openai', mode: 'image_generation', output_cost_per_image: 0.04 },
      'gpt-x': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 },
    });
    expect([...c.keys()]).toEqual(['gpt-x']);
    expect(c.get('gpt-x')).toEqual({ input: 1_000_000, output: 2_000_000, cachedInput: 1_000_000, cacheWrite: 1_000_000 });
  });

  it.skipIf(!existsSync(SHARED_CATALOGUE))('reads the real shared catalogue as it is (skipped: ../shared/data is absent in a user clone)', () => {
    const json = JSON.parse(readFileSync(SHARED_CATALOGUE, 'utf8')) as Record<string, unknown>;
    const c = readLiteLlmCatalogue(json);
    // 2,982 model entries of which 2,171 chat entries have both token prices (see shared/data/README.md);
    // embeddings and others with both prices count too.
    expect(c.size).toBeGreaterThan(2171);
    expect(c.has('sample_spec')).toBe(false);
    expect(c.get('gpt-5')).toMatchObject({ input: 1_250_000, output: 10_000_000, cachedInput: 125_000 });
    expect(c.get('openrouter/openai/gpt-5')).toMatchObject({ input: 1_250_000 });
    expect(c.get('claude-sonnet-4-6')).toMatchObject({ input: 3_000_000, output: 15_000_000, cachedInput: 300_000, cacheWrite: 3_750_000 });
    // Every price is a whole number of pico-dollars per token.
    for (const p of c.values()) expect(Number.isInteger(p.input) && Number.isInteger(p.output)).toBe(true);
    // The built-in catalogue was copied from this file: they must agree.
    const builtin = readLiteLlmCatalogue(BUILTIN_CATALOGUE);
    for (const [model, price] of builtin) {
      const key = c.has(model) ? model : `gemini/${model}`;
      expect(c.get(key), model).toMatchObject({ input: price.input, output: price.output });
    }
  });
});
