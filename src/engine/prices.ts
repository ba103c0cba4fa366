import { picoPerTokenFromUsd } from './money.js';

/** What one token of a model costs on some route, in integer pico-dollars (see money.ts). */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  /** Prompt tokens served from the provider's cache. */
  readonly cachedInput: number;
  /** Prompt tokens written to the provider's cache (Anthropic bills these above the input price). */
  readonly cacheWrite: number;
  readonly maxOutputTokens?: number;
  /** The model's context window for prompts, when the catalogue knows it: reported usage past it is not believed. */
  readonly maxInputTokens?: number;
}

/** Model name → price. Built once per config load; looked up on every decision. */
export type PriceCatalogue = ReadonlyMap<string, ModelPrice>;

/** Token counts of one request, as the upstream reported them or as estimated. */
export interface TokenUsage {
  /** All prompt tokens, cached ones included (OpenAI's `prompt_tokens`). */
  readonly input: number;
  readonly output: number;
  /** Of `input`, the ones read from the cache. */
  readonly cachedInput?: number;
  /** Of `input`, the ones written to the cache. */
  readonly cacheWrite?: number;
}

/** Prompt tokens billed at the plain input price: neither read from nor written to the cache. */
const freshInput = (usage: TokenUsage) => Math.max(0, usage.input - (usage.cachedInput ?? 0) - (usage.cacheWrite ?? 0));

/**
 * Exact cost of a request in pico-dollars: uncached input, cached input, cache writes and output, each at
 * its own price. A `number`, and no allocation: the replay prices every request with it. Past 2^53 it
 * throws rather than round.
 * @example costOfUsage({ input: 1000, output: 500, cachedInput: 200 }, gpt5) // 800×1.25µ$ + 200×0.125µ$ + 500×10µ$ in
 * p$
 */
export function costOfUsage(usage: TokenUsage, price: ModelPrice): number {
  const cost =
    freshInput(usage) * price.input +
    (usage.cachedInput ?? 0) * price.cachedInput +
    (usage.cacheWrite ?? 0) * price.cacheWrite +
    usage.output * price.output;
  if (!Number.isSafeInteger(cost)) throw new RangeError(`request cost out of exact range: ${cost} pico-dollars`);
  return cost;
}

/** The same cost as a `bigint`, exact at any size: what the gateway meters a live request with. */
export function costOfUsagePico(usage: TokenUsage, price: ModelPrice): bigint {
  const b = (tokens: number, pico: number) => BigInt(tokens) * BigInt(pico);
  return (
    b(freshInput(usage), price.input) +
    b(usage.cachedInput ?? 0, price.cachedInput) +
    b(usage.cacheWrite ?? 0, price.cacheWrite) +
    b(usage.output, price.output)
  );
}

/** A price with an aggregator's fee (basis points of spend) and a flat markup (pico-dollars per token) folded in. */
export function withFee(price: ModelPrice, feeBasisPoints: number, markupPerToken: number): ModelPrice {
  const apply = (p: number) => Math.round((p * (10_000 + feeBasisPoints)) / 10_000) + markupPerToken;
  return {
    input: apply(price.input),
    output: apply(price.output),
    cachedInput: apply(price.cachedInput),
    cacheWrite: apply(price.cacheWrite),
    ...(price.maxOutputTokens === undefined ? {} : { maxOutputTokens: price.maxOutputTokens }),
    ...(price.maxInputTokens === undefined ? {} : { maxInputTokens: price.maxInputTokens }),
  };
}

export const ZERO_PRICE: ModelPrice = Object.freeze({ input: 0, output: 0, cachedInput: 0, cacheWrite: 0 });

/**
 * Reads a catalogue in LiteLLM's `model_prices_and_context_window.json` format: one object keyed by model
 * id. Keys that are not models (`sample_spec`, `fallback_generalizations`, a mirror's `last_updated`) and
 * entries without per-token input and output prices (image, audio, per-second models) are skipped.
 */
export function readLiteLlmCatalogue(json: unknown): Map<string, ModelPrice> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError('a LiteLLM catalogue is one JSON object keyed by model id');
  }
  const catalogue = new Map<string, ModelPrice>();
  for (const [model, entry] of Object.entries(json)) {
    if (model === 'sample_spec' || typeof entry !== 'object' || entry === null) continue;
    const e = entry as Record<string, unknown>;
    if (typeof e.litellm_provider !== 'string') continue;
    const input = e.input_cost_per_token;
    const output = e.output_cost_per_token;
    if (typeof input !== 'number' || typeof output !== 'number') continue;
    const cacheRead = typeof e.cache_read_input_token_cost === 'number' ? e.cache_read_input_token_cost : input;
    const cacheWrite =
      typeof e.cache_creation_input_token_cost === 'number' && e.cache_creation_input_token_cost > 0
        ? e.cache_creation_input_token_cost
        : input;
    const maxOutput = typeof e.max_output_tokens === 'number' ? e.max_output_tokens : undefined;
    const maxInput = typeof e.max_input_tokens === 'number' && e.max_input_tokens > 0 ? e.max_input_tokens : undefined;
    catalogue.set(model, {
      input: picoPerTokenFromUsd(input),
      output: picoPerTokenFromUsd(output),
      cachedInput: picoPerTokenFromUsd(cacheRead),
      cacheWrite: picoPerTokenFromUsd(cacheWrite),
      ...(maxOutput === undefined ? {} : { maxOutputTokens: maxOutput }),
      ...(maxInput === undefined ? {} : { maxInputTokens: maxInput }),
    });
  }
  return catalogue;
}
