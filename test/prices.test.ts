import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOGUE } from '../src/engine/builtin-catalogue.js';
import { formatUsd } from '../src/engine/money.js';
import { costOfUsage, costOfUsagePico, readLiteLlmCatalogue, withFee } from '../src/engine/prices.js';

const SHARED_CATALOGUE = new URL('../../shared/data/litellm-model-prices.json', import.meta.url);

describe('request cost', () => {
  const catalogue = readLiteLlmCatalogue(BUILTIN_CATALOGUE);
  it('prices input, cached input, cache writes and output separately', () => {
    const sonnet = catalogue.get('claude-sonnet-4-6')!;
    // 1000 prompt tokens: 600 fresh at $3/M, 300 cache reads at $0.30/M, 100 cache writes at $3.75/M; 200 out at $15/M.
    const cost = costOfUsage({ input: 1000, output: 200, cachedInput: 300, cacheWrite: 100 }, sonnet);
    expect(cost).toBe(600 * 3_000_000 + 300 * 300_000 + 100 * 3_750_000 + 200 * 15_000_000);
    expect(formatUsd(cost)).toBe('0.005265');
  });
  it('sums what floats cannot: 0.75 × $1.25/M + 0.25 × $10/M per M tokens is $3.4375 exactly', () => {
    const cost = costOfUsage({ input: 750_000, output: 250_000 }, catalogue.get('gpt-5')!);
    expect(formatUsd(cost, 12)).toBe('3.437500000000');
  });
  it('never prices cached and written tokens twice, nor below zero fresh input', () => {
    const price = { input: 10, output: 100, cachedInput: 1, cacheWrite: 20 };
    expect(costOfUsage({ input: 5, output: 0, cachedInput: 4, cacheWrite: 4 }, price)).toBe(4 * 1 + 4 * 20);
  });
  it('refuses a cost past exact integer range rather than round it; the bigint form is exact at any size', () => {
    const dear = { input: 1e7, output: 6e8, cachedInput: 0, cacheWrite: 0 };
    expect(() => costOfUsage({ input: 1e10, output: 0 }, dear)).toThrow('request cost out of exact range');
    expect(costOfUsagePico({ input: 1e10, output: 1e8 }, dear)).toBe(10n ** 17n + 6n * 10n ** 16n);
    const price = { input: 10, output: 100, cachedInput: 1, cacheWrite: 20 };
    expect(costOfUsagePico({ input: 5, output: 3, cachedInput: 2, cacheWrite: 1 }, price)).toBe(
      BigInt(costOfUsage({ input: 5, output: 3, cachedInput: 2, cacheWrite: 1 }, price)),
    );
  });
  it('folds an aggregator fee and a flat markup into every per-token price, keeping the output limit', () => {
    const feed = withFee(catalogue.get('gpt-5')!, 550, 0);
    expect(feed.input).toBe(1_318_750);
    expect(feed.output).toBe(10_550_000);
    const marked = withFee(
      { input: 1000, output: 3000, cachedInput: 100, cacheWrite: 1250, maxOutputTokens: 64 },
      1000,
      7,
    );
    expect(marked).toEqual({ input: 1107, output: 3307, cachedInput: 117, cacheWrite: 1382, maxOutputTokens: 64 });
    expect(withFee({ input: 1, output: 1, cachedInput: 1, cacheWrite: 1 }, 0, 0)).not.toHaveProperty('maxOutputTokens');
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
    expect(c.get('gpt-x')).toEqual({
      input: 1_000_000,
      output: 2_000_000,
      cachedInput: 1_000_000,
      cacheWrite: 1_000_000,
    });
  });

  it('needs a provider and both token prices; reads cache prices and the output limit when given', () => {
    const c = readLiteLlmCatalogue({
      'no-provider': { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 },
      'no-output': { litellm_provider: 'x', input_cost_per_token: 1e-6 },
      'no-input': { litellm_provider: 'x', output_cost_per_token: 1e-6 },
      'text-price': { litellm_provider: 'x', input_cost_per_token: '1e-6', output_cost_per_token: 2e-6 },
      nulled: null,
      cached: {
        litellm_provider: 'x',
        input_cost_per_token: 3e-6,
        output_cost_per_token: 15e-6,
        cache_read_input_token_cost: 3e-7,
        cache_creation_input_token_cost: 3.75e-6,
        max_output_tokens: 64_000,
      },
      'zero-write': {
        litellm_provider: 'x',
        input_cost_per_token: 3e-6,
        output_cost_per_token: 15e-6,
        cache_creation_input_token_cost: 0,
        max_output_tokens: '64k',
      },
    });
    expect([...c.keys()]).toEqual(['cached', 'zero-write']);
    expect(c.get('cached')).toEqual({
      input: 3_000_000,
      output: 15_000_000,
      cachedInput: 300_000,
      cacheWrite: 3_750_000,
      maxOutputTokens: 64_000,
    });
    // A zero cache-write price means "not published": writes bill as input.
    expect(c.get('zero-write')).toEqual({
      input: 3_000_000,
      output: 15_000_000,
      cachedInput: 3_000_000,
      cacheWrite: 3_000_000,
    });
  });

  it.each([[null], [[]], ['{}'], [42]])('refuses a catalogue that is not one JSON object (%j)', (json) => {
    expect(() => readLiteLlmCatalogue(json)).toThrow('a LiteLLM catalogue is one JSON object keyed by model id');
  });

  it.skipIf(!existsSync(SHARED_CATALOGUE))(
    'reads the real shared catalogue as it is (skipped: ../shared/data is absent in a user clone)',
    () => {
      const json = JSON.parse(readFileSync(SHARED_CATALOGUE, 'utf8')) as Record<string, unknown>;
      const c = readLiteLlmCatalogue(json);
      // 2,982 model entries of which 2,171 chat entries have both token prices (see shared/data/README.md);
      // embeddings and others with both prices count too.
      expect(c.size).toBeGreaterThan(2171);
      expect(c.has('sample_spec')).toBe(false);
      expect(c.get('gpt-5')).toMatchObject({ input: 1_250_000, output: 10_000_000, cachedInput: 125_000 });
      expect(c.get('openrouter/openai/gpt-5')).toMatchObject({ input: 1_250_000 });
      expect(c.get('claude-sonnet-4-6')).toMatchObject({
        input: 3_000_000,
        output: 15_000_000,
        cachedInput: 300_000,
        cacheWrite: 3_750_000,
      });
      // Every price is a whole number of pico-dollars per token.
      for (const p of c.values()) expect(Number.isInteger(p.input) && Number.isInteger(p.output)).toBe(true);
      // The built-in catalogue was copied from this file: they must agree.
      const builtin = readLiteLlmCatalogue(BUILTIN_CATALOGUE);
      for (const [model, price] of builtin) {
        const key = c.has(model) ? model : `gemini/${model}`;
        expect(c.get(key), model).toMatchObject({ input: price.input, output: price.output });
      }
    },
  );
});
