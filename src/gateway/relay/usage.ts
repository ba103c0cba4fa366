import type { TokenUsage } from '../../engine/prices.js';

/** What an answer cost in tokens, and whether the upstream said so or it was estimated. */
export interface MeteredUsage extends TokenUsage {
  readonly reasoning: number;
  readonly estimated: boolean;
}

/** More tokens than any one request can bill: a count above it is a broken or hostile upstream. */
export const MAX_TOKENS_PER_REQUEST = 100_000_000;

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_TOKENS_PER_REQUEST ? v : undefined);

/**
 * An upstream's OpenAI-shaped `usage` as token counts: the one place where usage from outside enters.
 * Every count must be a whole number from 0 to `MAX_TOKENS_PER_REQUEST`; an absent optional count is 0. A
 * usage with any count out of shape (negative, fractional, huge, not a number) is not believed at all —
 * undefined, so the request is metered by estimate and marked so — never half-believed.
 */
export function usageFromOpenAi(usage: unknown): MeteredUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as Record<string, any>;
  const optional = (v: unknown) => (v === undefined || v === null ? 0 : count(v));
  const input = count(u.prompt_tokens);
  const output = optional(u.completion_tokens);
  // `cache_write_tokens` is Switchyard's own, filled from Anthropic's `cache_creation_input_tokens`.
  const cachedInput = optional(u.prompt_tokens_details?.cached_tokens);
  const cacheWrite = optional(u.prompt_tokens_details?.cache_write_tokens);
  const reasoning = optional(u.completion_tokens_details?.reasoning_tokens);
  if (input === undefined || output === undefined || cachedInput === undefined || cacheWrite === undefined || reasoning === undefined) return undefined;
  if (cachedInput + cacheWrite > input) return undefined;
  return { input, output, cachedInput, cacheWrite, reasoning, estimated: false };
}
