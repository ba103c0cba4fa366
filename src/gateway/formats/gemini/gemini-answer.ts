import { parseArguments } from '../message-content.js';
import { parseObject, UnreadableAnswerError, type Json } from '../wire-format.js';
import { SIGNATURE, splitCallId } from './gemini-call-ids.js';
import type { GeminiPart } from './gemini-request.js';

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']);

/** Gemini's `finishReason` → OpenAI's `finish_reason`: a stop with function calls is OpenAI's `tool_calls`. */
export function finishOf(reason: string | undefined, calledTools: boolean): string {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason && FILTERED.has(reason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}
export const REASON_OF_FINISH: Readonly<Record<string, string>> = {
  stop: 'STOP',
  tool_calls: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
  cachedContentTokenCount?: number;
}

/**
 * `usageMetadata` as OpenAI's usage: the prompt count includes the cached part (as OpenAI's does), thinking is billed
 * as output.
 */
export function usageOfGemini(u: UsageMetadata | undefined) {
  const prompt = (u?.promptTokenCount ?? 0) + (u?.toolUsePromptTokenCount ?? 0);
  const completion = (u?.candidatesTokenCount ?? 0) + (u?.thoughtsTokenCount ?? 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u?.cachedContentTokenCount ?? 0 },
    ...(u?.thoughtsTokenCount ? { completion_tokens_details: { reasoning_tokens: u.thoughtsTokenCount } } : {}),
  };
}

/** OpenAI's usage as `usageMetadata`. */
export function geminiUsage(u: Json | undefined): UsageMetadata & { totalTokenCount: number } {
  const prompt = u?.prompt_tokens ?? 0;
  const completion = u?.completion_tokens ?? 0;
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: completion,
    totalTokenCount: prompt + completion,
    ...(cached ? { cachedContentTokenCount: cached } : {}),
  };
}

/** A function call part as an OpenAI tool call (Gemini's `id` when it gives one, its signature kept in the id). */
export const toolCallOf = (part: Json, index: number) => {
  const call = part.functionCall as Json;
  const id = typeof call.id === 'string' ? call.id : `call_${index}`;
  return {
    id: typeof part.thoughtSignature === 'string' ? `${id}${SIGNATURE}${part.thoughtSignature}` : id,
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) },
  };
};

/** A `generateContent` response (from a Gemini or Vertex route) as an OpenAI chat completion. */
export function readGeminiAnswer(text: string): Json {
  const r = parseObject(text, 'the answer');
  const blocked = r.promptFeedback?.blockReason;
  if (!Array.isArray(r.candidates) && !blocked) throw new UnreadableAnswerError('the answer is not a Gemini response');
  const choices = ((r.candidates ?? []) as Json[]).map((c, index) => {
    const parts = (c.content?.parts ?? []) as Json[];
    const content = parts
      .filter((p) => typeof p.text === 'string' && p.thought !== true)
      .map((p) => p.text as string)
      .join('');
    const calls = parts.filter((p) => p.functionCall).map((p, i) => toolCallOf(p, i));
    return {
      index,
      message: {
        role: 'assistant',
        content: calls.length && !content ? null : content,
        ...(calls.length ? { tool_calls: calls } : {}),
      },
      finish_reason: finishOf(c.finishReason, calls.length > 0),
    };
  });
  // A prompt the safety filter blocked comes as a 200 with no candidate: the caller's, said as a filtered answer.
  if (choices.length === 0)
    choices.push({ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter' });
  return {
    id: typeof r.responseId === 'string' ? r.responseId : `chatcmpl-gemini-${crypto.randomUUID()}`,
    object: 'chat.completion',
    created: 0,
    model: typeof r.modelVersion === 'string' ? r.modelVersion : '',
    choices,
    usage: usageOfGemini(r.usageMetadata),
  };
}

/** An OpenAI chat completion as a `generateContent` response (the mock upstream answers Gemini calls with it). */
export function writeGeminiAnswer(answer: Json): string {
  const candidates = ((answer.choices ?? []) as Json[]).map((choice) => {
    const parts: GeminiPart[] = [];
    if (choice.message?.content) parts.push({ text: choice.message.content });
    for (const c of (choice.message?.tool_calls ?? []) as Json[]) {
      const args = parseArguments(c.function.arguments);
      const { id, thoughtSignature } = splitCallId(String(c.id));
      parts.push({
        functionCall: { id, name: c.function.name, args },
        ...(thoughtSignature ? { thoughtSignature } : {}),
      });
    }
    return {
      content: { role: 'model', parts },
      finishReason: REASON_OF_FINISH[choice.finish_reason ?? 'stop'] ?? 'STOP',
      index: choice.index ?? 0,
    };
  });
  return JSON.stringify({
    candidates,
    usageMetadata: geminiUsage(answer.usage),
    modelVersion: answer.model,
    responseId: answer.id,
  });
}
