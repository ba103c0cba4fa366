import { parseArguments } from '../message-content.js';
import { anthropicUsage, openAiUsage } from '../anthropic/anthropic-answer.js';
import { parseObject, UnreadableAnswerError, type Json } from '../wire-format.js';
import type { ConverseBlock } from './converse-request.js';

/** Converse answers carry no id (AWS's request id is a header): every one is given this. */
export const BEDROCK_ID = 'chatcmpl-bedrock';

/** Converse's `stopReason` → OpenAI's `finish_reason`. */
export const FINISH_OF_STOP: Readonly<Record<string, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};
export const STOP_OF_FINISH: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  length: 'max_tokens',
  content_filter: 'content_filtered',
};

interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** Converse usage as OpenAI's: `inputTokens` is the fresh input, cache reads and writes apart (as Anthropic's). */
export const usageOfConverse = (u: ConverseUsage | undefined) =>
  openAiUsage({
    input_tokens: u?.inputTokens ?? 0,
    output_tokens: u?.outputTokens ?? 0,
    cache_read_input_tokens: u?.cacheReadInputTokens ?? 0,
    cache_creation_input_tokens: u?.cacheWriteInputTokens ?? 0,
  });

/** OpenAI usage as Converse's. */
export function converseUsage(u: Json | undefined) {
  const a = anthropicUsage(u);
  return {
    inputTokens: a.input_tokens,
    outputTokens: a.output_tokens,
    totalTokens: a.input_tokens + a.output_tokens + a.cache_read_input_tokens + a.cache_creation_input_tokens,
    ...(a.cache_read_input_tokens ? { cacheReadInputTokens: a.cache_read_input_tokens } : {}),
    ...(a.cache_creation_input_tokens ? { cacheWriteInputTokens: a.cache_creation_input_tokens } : {}),
  };
}

/** A Converse response (from a Bedrock route) as an OpenAI chat completion. */
export function readConverseAnswer(text: string): Json {
  const r = parseObject(text, 'the answer');
  const blocks = r.output?.message?.content as Json[] | undefined;
  if (!Array.isArray(blocks) || typeof r.usage !== 'object' || r.usage === null)
    throw new UnreadableAnswerError('the answer is not a Converse response');
  const content = blocks
    .filter((b) => typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
  const calls = blocks
    .filter((b) => b.toolUse)
    .map((b) => ({
      id: b.toolUse.toolUseId,
      type: 'function',
      function: { name: b.toolUse.name, arguments: JSON.stringify(b.toolUse.input ?? {}) },
    }));
  return {
    id: BEDROCK_ID,
    object: 'chat.completion',
    created: 0,
    model: '',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: calls.length && !content ? null : content,
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        finish_reason: FINISH_OF_STOP[r.stopReason ?? ''] ?? 'stop',
      },
    ],
    usage: usageOfConverse(r.usage),
  };
}

/** An OpenAI chat completion as a Converse response (the mock upstream answers Bedrock calls with it). */
export function writeConverseAnswer(answer: Json): string {
  const choice = answer.choices?.[0] as Json | undefined;
  const content: ConverseBlock[] = [];
  if (choice?.message?.content) content.push({ text: choice.message.content });
  for (const c of (choice?.message?.tool_calls ?? []) as Json[]) {
    const input = parseArguments(c.function.arguments);
    content.push({ toolUse: { toolUseId: c.id, name: c.function.name, input } });
  }
  return JSON.stringify({
    output: { message: { role: 'assistant', content } },
    stopReason: STOP_OF_FINISH[choice?.finish_reason ?? 'stop'] ?? 'end_turn',
    usage: converseUsage(answer.usage),
    metrics: { latencyMs: 0 },
  });
}
