import type { ModelPrice, TokenUsage } from '../../engine/prices.js';
import type { Json } from '../formats/wire-format.js';

/** What an answer cost in tokens, and whether the upstream said so or it was estimated. */
export interface MeteredUsage extends TokenUsage {
  readonly reasoning: number;
  readonly estimated: boolean;
}

/** More tokens than any one request can bill: a count above it is a broken or hostile upstream. */
export const MAX_TOKENS_PER_REQUEST = 100_000_000;

const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_TOKENS_PER_REQUEST ? v : undefined;

/**
 * An upstream's OpenAI-shaped `usage` as token counts: the one place where usage from outside enters.
 * Every count must be a whole number from 0 to `MAX_TOKENS_PER_REQUEST`; an absent optional count is 0. A
 * usage with any count out of shape (negative, fractional, huge, not a number) is not believed at all —
 * undefined, so the request is metered by estimate and marked so — never half-believed.
 */
export function usageFromOpenAi(usage: unknown): MeteredUsage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as Json;
  const optional = (v: unknown) => (v === undefined || v === null ? 0 : count(v));
  const input = count(u.prompt_tokens);
  const output = optional(u.completion_tokens);
  // `cache_write_tokens` is Switchyard's own, filled from Anthropic's `cache_creation_input_tokens`.
  const cachedInput = optional(u.prompt_tokens_details?.cached_tokens);
  const cacheWrite = optional(u.prompt_tokens_details?.cache_write_tokens);
  const reasoning = optional(u.completion_tokens_details?.reasoning_tokens);
  if (
    input === undefined ||
    output === undefined ||
    cachedInput === undefined ||
    cacheWrite === undefined ||
    reasoning === undefined
  )
    return undefined;
  if (cachedInput + cacheWrite > input) return undefined;
  return { input, output, cachedInput, cacheWrite, reasoning, estimated: false };
}

/** What a request could produce, from its facts: the prompt estimate, its output limit and how many answers. */
export interface RequestSize {
  readonly inputEstimate: number;
  /** `max_tokens` (or `max_completion_tokens`), per answer; undefined when the request set none. */
  readonly maxOutputTokens?: number;
  readonly choices: number;
}

/** A request's size from its facts. */
export const sizeOf = (facts: { inputTokens: number; maxOutputTokens?: number; choices?: number }): RequestSize => ({
  inputEstimate: facts.inputTokens,
  choices: facts.choices ?? 1,
  ...(facts.maxOutputTokens === undefined ? {} : { maxOutputTokens: facts.maxOutputTokens }),
});

/**
 * A prompt's real count can exceed the estimate (characters / 4) several times over in scripts the estimate
 * reads poorly; past this multiple (and a floor for tiny prompts) it is not believed.
 */
const INPUT_FACTOR = 8;
const INPUT_FLOOR = 1024;
/** The output a request with no limit of its own, on a model the catalogue does not bound, may be billed. */
const OUTPUT_FALLBACK = 131_072;

/** The most a request could have been billed on a route with this price, in tokens. */
export function usageBound(size: RequestSize, price: ModelPrice): { readonly input: number; readonly output: number } {
  const input = Math.max(INPUT_FLOOR, size.inputEstimate * INPUT_FACTOR);
  const window = price.maxInputTokens === undefined ? input : Math.max(price.maxInputTokens, size.inputEstimate);
  return {
    input: Math.min(input, window),
    output: (size.maxOutputTokens ?? price.maxOutputTokens ?? OUTPUT_FALLBACK) * size.choices,
  };
}

/**
 * Usage as the request could have produced it: a count past its bound is the bound, marked estimated, with
 * why (the row's `row_problem`). One hostile answer cannot bill a budget many times over.
 */
export function withinBound(
  usage: MeteredUsage,
  bound: { readonly input: number; readonly output: number },
): { usage: MeteredUsage; problem?: string } {
  if (usage.input <= bound.input && usage.output <= bound.output) return { usage };
  const problems: string[] = [];
  if (usage.input > bound.input)
    problems.push(`upstream reported ${usage.input} prompt tokens, over the ${bound.input} this request could send`);
  if (usage.output > bound.output)
    problems.push(`upstream reported ${usage.output} completion tokens, over the ${bound.output} this request allows`);
  const input = Math.min(usage.input, bound.input);
  const output = Math.min(usage.output, bound.output);
  const cachedInput = Math.min(usage.cachedInput ?? 0, input);
  return {
    usage: {
      input,
      output,
      cachedInput,
      cacheWrite: Math.min(usage.cacheWrite ?? 0, input - cachedInput),
      reasoning: Math.min(usage.reasoning, output),
      estimated: true,
    },
    problem: problems.join('; '),
  };
}

/** Usage in OpenAI's shape: what a caller is told when the upstream's own numbers were not believed. */
export function openAiUsage(u: MeteredUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cachedInput ?? 0 },
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  };
}
