/**
 * Prices of the common models, in LiteLLM's `model_prices_and_context_window.json` format (USD per token),
 * so that the built-in catalogue and a user's catalogue go through the same reader. Copied from LiteLLM's
 * catalogue as of 2026-07-24 (MIT, Copyright (c) 2023 Berri AI); a configured catalogue overrides it.
 */
export const BUILTIN_CATALOGUE: Readonly<Record<string, object>> = {
  'gpt-5': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 1.25e-6, output_cost_per_token: 1e-5, cache_read_input_token_cost: 1.25e-7, max_input_tokens: 272000, max_output_tokens: 128000 },
  'gpt-5-mini': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 2.5e-7, output_cost_per_token: 2e-6, cache_read_input_token_cost: 2.5e-8, max_input_tokens: 272000, max_output_tokens: 128000 },
  'gpt-5-nano': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 5e-8, output_cost_per_token: 4e-7, cache_read_input_token_cost: 5e-9, max_input_tokens: 272000, max_output_tokens: 128000 },
  'gpt-4.1': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 2e-6, output_cost_per_token: 8e-6, cache_read_input_token_cost: 5e-7, max_input_tokens: 1047576, max_output_tokens: 32768 },
  'gpt-4.1-mini': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 4e-7, output_cost_per_token: 1.6e-6, cache_read_input_token_cost: 1e-7, max_input_tokens: 1047576, max_output_tokens: 32768 },
  'gpt-4o': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5, cache_read_input_token_cost: 1.25e-6, max_input_tokens: 128000, max_output_tokens: 16384 },
  'gpt-4o-mini': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 1.5e-7, output_cost_per_token: 6e-7, cache_read_input_token_cost: 7.5e-8, max_input_tokens: 128000, max_output_tokens: 16384 },
  'o3': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 2e-6, output_cost_per_token: 8e-6, cache_read_input_token_cost: 5e-7, max_input_tokens: 200000, max_output_tokens: 100000 },
  'o4-mini': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 1.1e-6, output_cost_per_token: 4.4e-6, cache_read_input_token_cost: 2.75e-7, max_input_tokens: 200000, max_output_tokens: 100000 },
  'claude-opus-4-6': { litellm_provider: 'anthropic', mode: 'chat', input_cost_per_token: 5e-6, output_cost_per_token: 2.5e-5, cache_read_input_token_cost: 5e-7, cache_creation_input_token_cost: 6.25e-6, max_input_tokens: 1000000, max_output_tokens: 128000 },
  'claude-sonnet-4-6': { litellm_provider: 'anthropic', mode: 'chat', input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5, cache_read_input_token_cost: 3e-7, cache_creation_input_token_cost: 3.75e-6, max_input_tokens: 1000000, max_output_tokens: 64000 },
  'claude-sonnet-4-5': { litellm_provider: 'anthropic', mode: 'chat', input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5, cache_read_input_token_cost: 3e-7, cache_creation_input_token_cost: 3.75e-6, max_input_tokens: 200000, max_output_tokens: 64000 },
  'claude-haiku-4-5': { litellm_provider: 'anthropic', mode: 'chat', input_cost_per_token: 1e-6, output_cost_per_token: 5e-6, cache_read_input_token_cost: 1e-7, cache_creation_input_token_cost: 1.25e-6, max_input_tokens: 200000, max_output_tokens: 64000 },
  'gemini-2.5-pro': { litellm_provider: 'gemini', mode: 'chat', input_cost_per_token: 1.25e-6, output_cost_per_token: 1e-5, cache_read_input_token_cost: 1.25e-7, max_input_tokens: 1048576, max_output_tokens: 65535 },
  'gemini-2.5-flash': { litellm_provider: 'gemini', mode: 'chat', input_cost_per_token: 3e-7, output_cost_per_token: 2.5e-6, cache_read_input_token_cost: 3e-8, max_input_tokens: 1048576, max_output_tokens: 65535 },
  'text-embedding-3-small': { litellm_provider: 'openai', mode: 'embedding', input_cost_per_token: 2e-8, output_cost_per_token: 0, max_input_tokens: 8191 },
  'text-embedding-3-large': { litellm_provider: 'openai', mode: 'embedding', input_cost_per_token: 1.3e-7, output_cost_per_token: 0, max_input_tokens: 8191 },
};
