import { parseArguments } from '../message-content.js';
import { parseObject, UnreadableAnswerError, type Json } from '../wire-format.js';
import {
  FINISH_OF_STOP,
  STOP_OF_FINISH,
  type AnthropicBlock,
  type AnthropicResponse,
  type AnthropicUsage,
} from './anthropic-types.js';

/** Anthropic usage as OpenAI's: prompt tokens include cache reads and writes, as OpenAI counts them. */
export function openAiUsage(u: AnthropicUsage) {
  const read = u.cache_read_input_tokens ?? 0;
  const written = u.cache_creation_input_tokens ?? 0;
  const prompt = u.input_tokens + read + written;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.output_tokens,
    total_tokens: prompt + u.output_tokens,
    // `cache_write_tokens` is Switchyard's: OpenAI's shape has no cache writes, Anthropic bills them.
    prompt_tokens_details: { cached_tokens: read, ...(written ? { cache_write_tokens: written } : {}) },
  };
}

interface OpenAiUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
}

/** OpenAI usage as Anthropic's: fresh input, cache reads and cache writes apart. */
export function anthropicUsage(u: OpenAiUsage | undefined) {
  const read = u?.prompt_tokens_details?.cached_tokens ?? 0;
  const written = u?.prompt_tokens_details?.cache_write_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (u?.prompt_tokens ?? 0) - read - written),
    output_tokens: u?.completion_tokens ?? 0,
    cache_read_input_tokens: read,
    cache_creation_input_tokens: written,
  };
}

export const messageId = (id: unknown) =>
  typeof id === 'string' && id.startsWith('msg_') ? id : `msg_${String(id ?? 'switchyard')}`;

/** A Messages response (from an Anthropic route) as an OpenAI chat completion. */
export function readAnthropicAnswer(text: string): Json {
  const r = parseObject(text, 'the answer') as AnthropicResponse;
  if (!Array.isArray(r.content) || typeof r.usage !== 'object' || r.usage === null)
    throw new UnreadableAnswerError('the answer is not a Messages response');
  const content = r.content
    .filter((b): b is { type: 'text'; text: string } => b.type === 'text')
    .map((b) => b.text)
    .join('');
  const calls = r.content
    .filter((b): b is { type: 'tool_use'; id: string; name: string; input: unknown } => b.type === 'tool_use')
    .map((b) => ({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }));
  return {
    id: r.id,
    object: 'chat.completion',
    created: 0,
    model: r.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: calls.length && !content ? null : content,
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        finish_reason: FINISH_OF_STOP[r.stop_reason ?? ''] ?? 'stop',
      },
    ],
    usage: openAiUsage(r.usage),
  };
}

/** An OpenAI chat completion (whichever route served it) as a Messages response, for an Anthropic client. */
export function writeAnthropicAnswer(answer: Json): string {
  const choice = answer.choices?.[0] as
    | {
        message?: {
          content?: string | null;
          tool_calls?: { id: string; function: { name: string; arguments: string } }[];
        };
        finish_reason?: string;
      }
    | undefined;
  const content: AnthropicBlock[] = [];
  if (choice?.message?.content) content.push({ type: 'text', text: choice.message.content });
  for (const c of choice?.message?.tool_calls ?? []) {
    const input = parseArguments(c.function.arguments);
    content.push({ type: 'tool_use', id: c.id, name: c.function.name, input });
  }
  return JSON.stringify({
    id: messageId(answer.id),
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content,
    stop_reason: STOP_OF_FINISH[choice?.finish_reason ?? 'stop'] ?? 'end_turn',
    stop_sequence: null,
    usage: anthropicUsage(answer.usage),
  });
}
