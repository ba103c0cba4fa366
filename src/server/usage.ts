import type { TokenUsage } from '../engine/prices.js';

interface OpenAiUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  /** `cache_write_tokens` is Switchyard's own, filled from Anthropic's `cache_creation_input_tokens`. */
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/** What an answer cost in tokens, and whether the upstream said so or we estimated it. */
export interface MeteredUsage extends TokenUsage {
  readonly reasoning: number;
  readonly estimated: boolean;
}

/** OpenAI's `usage` object → token counts; undefined when absent or malformed. */
export function usageFromOpenAi(usage: unknown): MeteredUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as OpenAiUsage;
  if (typeof u.prompt_tokens !== 'number') return undefined;
  return {
    input: u.prompt_tokens,
    output: u.completion_tokens ?? 0,
    cachedInput: u.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWrite: u.prompt_tokens_details?.cache_write_tokens ?? 0,
    reasoning: u.completion_tokens_details?.reasoning_tokens ?? 0,
    estimated: false,
  };
}
