import { sseData, type SseEvent } from '../sse.js';
import { chatChunk, parseObject, usageChunk, type Json, type StreamItem, type StreamWriter } from '../wire-format.js';
import { finishOf, geminiUsage, REASON_OF_FINISH, toolCallOf, usageOfGemini } from './gemini-answer.js';
import { splitCallId } from './gemini-call-ids.js';

/**
 * `streamGenerateContent?alt=sse`: each event a whole `GenerateContentResponse` with the next parts; function calls
 * come whole, and the event with the `finishReason` carries the final `usageMetadata`. As OpenAI chunks, ending with
 * the finish and the usage chunk.
 */
export function createGeminiStreamReader(): (event: SseEvent) => StreamItem[] {
  let id = '';
  let model = '';
  let tools = 0;
  let usage: Json | undefined;
  let finished = false;
  const chunk = (delta: object, finish: string | null = null) => chatChunk(id, model, delta, finish);
  return (event) => {
    const data = parseObject(event.data, 'a stream event');
    if (data.error)
      return [
        {
          error: {
            message: String(data.error.message ?? 'upstream error'),
            code: String(data.error.status ?? 'upstream_error'),
          },
        },
      ];
    const items: StreamItem[] = [];
    if (!id) {
      id = typeof data.responseId === 'string' ? data.responseId : `chatcmpl-gemini-${crypto.randomUUID()}`;
      model = typeof data.modelVersion === 'string' ? data.modelVersion : '';
      items.push(chunk({ role: 'assistant', content: '' }));
    }
    if (data.usageMetadata) usage = data.usageMetadata;
    const candidate = data.candidates?.[0] as Json | undefined;
    for (const part of (candidate?.content?.parts ?? []) as Json[]) {
      if (typeof part.text === 'string' && part.text !== '' && part.thought !== true)
        items.push(chunk({ content: part.text }));
      if (part.functionCall) items.push(chunk({ tool_calls: [{ index: tools, ...toolCallOf(part, tools++) }] }));
    }
    if (candidate?.finishReason && !finished) {
      finished = true;
      items.push(chunk({}, finishOf(candidate.finishReason, tools > 0)), usageChunk(id, model, usageOfGemini(usage)));
    }
    return items;
  };
}

/** OpenAI chunks as Gemini's SSE stream (the mock upstream streams Gemini with it). */
export function createGeminiStreamWriter(): StreamWriter {
  const calls = new Map<number, { id: string; name: string; args: string }>();
  let finish = 'STOP';
  let usage: Json | undefined;
  let meta: Json = {};
  return {
    write(item) {
      if ('error' in item) return sseData({ error: { code: 503, message: item.error.message, status: 'UNAVAILABLE' } });
      const data = item.chunk;
      meta = { responseId: data.id, modelVersion: data.model };
      if (data.usage) usage = data.usage;
      const choice = data.choices?.[0];
      if (!choice) return '';
      for (const call of choice.delta?.tool_calls ?? []) {
        const held = calls.get(call.index) ?? { id: call.id, name: call.function?.name, args: '' };
        held.args += call.function?.arguments ?? '';
        calls.set(call.index, held);
      }
      if (choice.finish_reason) finish = REASON_OF_FINISH[choice.finish_reason] ?? 'STOP';
      const text = choice.delta?.content;
      if (typeof text !== 'string' || text === '') return '';
      return sseData({ candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0 }], ...meta });
    },
    end() {
      const parts = [...calls.values()].map((c) => ({
        functionCall: { id: splitCallId(c.id).id, name: c.name, args: JSON.parse(c.args || '{}') as unknown },
        ...(splitCallId(c.id).thoughtSignature ? { thoughtSignature: splitCallId(c.id).thoughtSignature } : {}),
      }));
      return sseData({
        candidates: [{ content: { role: 'model', parts }, finishReason: finish, index: 0 }],
        usageMetadata: geminiUsage(usage),
        ...meta,
      });
    },
  };
}
