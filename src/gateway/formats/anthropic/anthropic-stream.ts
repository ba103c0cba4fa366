import { sseEvent, type SseEvent } from '../sse.js';
import { chatChunk, parseObject, usageChunk, type Json, type StreamItem, type StreamWriter } from '../wire-format.js';
import { anthropicUsage, messageId, openAiUsage } from './anthropic-answer.js';
import { FINISH_OF_STOP, STOP_OF_FINISH, type AnthropicUsage } from './anthropic-types.js';

/**
 * Anthropic's event stream (`message_start`, `content_block_*`, `message_delta`, `message_stop`, `error`)
 * from an Anthropic route as OpenAI chunks, ending with the usage chunk. Stateful: one per stream.
 */
export function createAnthropicStreamReader(): (event: SseEvent) => StreamItem[] {
  let id = '';
  let model = '';
  let usage: AnthropicUsage = { input_tokens: 0, output_tokens: 0 };
  let finish: string | null = null;
  const toolIndex = new Map<number, number>();
  const chunk = (delta: object, finishReason: string | null = null) => chatChunk(id, model, delta, finishReason);

  return (event) => {
    const data = parseObject(event.data, 'a stream event');
    switch (data.type) {
      case 'message_start':
        id = data.message?.id ?? '';
        model = data.message?.model ?? '';
        usage = { ...usage, ...data.message?.usage };
        return [chunk({ role: 'assistant', content: '' })];
      case 'content_block_start':
        if (data.content_block?.type !== 'tool_use') return [];
        toolIndex.set(data.index, toolIndex.size);
        return [
          chunk({
            tool_calls: [
              {
                index: toolIndex.get(data.index),
                id: data.content_block.id,
                type: 'function',
                function: { name: data.content_block.name, arguments: '' },
              },
            ],
          }),
        ];
      case 'content_block_delta':
        if (data.delta?.type === 'text_delta') return [chunk({ content: data.delta.text })];
        if (data.delta?.type === 'input_json_delta')
          return [
            chunk({
              tool_calls: [{ index: toolIndex.get(data.index) ?? 0, function: { arguments: data.delta.partial_json } }],
            }),
          ];
        return [];
      case 'message_delta':
        finish = FINISH_OF_STOP[data.delta?.stop_reason ?? ''] ?? 'stop';
        usage = { ...usage, ...data.usage };
        return [];
      case 'message_stop':
        return [chunk({}, finish ?? 'stop'), usageChunk(id, model, openAiUsage(usage))];
      case 'error':
        return [
          {
            error: {
              message: String(data.error?.message ?? 'upstream error'),
              code: String(data.error?.type ?? 'upstream_error'),
            },
          },
        ];
      default:
        // `ping` and block stops carry nothing an OpenAI caller reads.
        return [];
    }
  };
}

/** OpenAI chunks (whichever route served them) as Anthropic's event stream, for an Anthropic client. */
export function createAnthropicStreamWriter(): StreamWriter {
  let started = false;
  let block = -1;
  let open: 'text' | 'tool' | undefined;
  const tools = new Map<number, number>();
  let stop = 'end_turn';
  let usage: Json | undefined;
  const close = () => {
    const out = open ? sseEvent('content_block_stop', { type: 'content_block_stop', index: block }) : '';
    open = undefined;
    return out;
  };
  const start = (data: Json) => {
    if (started) return '';
    started = true;
    return sseEvent('message_start', {
      type: 'message_start',
      message: {
        id: messageId(data.id),
        type: 'message',
        role: 'assistant',
        model: data.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  };
  return {
    write(item) {
      if ('error' in item)
        return sseEvent('error', { type: 'error', error: { type: 'api_error', message: item.error.message } });
      const data = item.chunk;
      let out = start(data);
      if (data.usage) usage = data.usage;
      const choice = data.choices?.[0];
      if (!choice) return out;
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string' && delta.content !== '') {
        if (open !== 'text') {
          out += close();
          open = 'text';
          out += sseEvent('content_block_start', {
            type: 'content_block_start',
            index: ++block,
            content_block: { type: 'text', text: '' },
          });
        }
        out += sseEvent('content_block_delta', {
          type: 'content_block_delta',
          index: block,
          delta: { type: 'text_delta', text: delta.content },
        });
      }
      for (const call of delta.tool_calls ?? []) {
        if (!tools.has(call.index)) {
          out += close();
          open = 'tool';
          tools.set(call.index, ++block);
          out += sseEvent('content_block_start', {
            type: 'content_block_start',
            index: block,
            content_block: { type: 'tool_use', id: call.id, name: call.function?.name, input: {} },
          });
        }
        if (call.function?.arguments)
          out += sseEvent('content_block_delta', {
            type: 'content_block_delta',
            index: tools.get(call.index),
            delta: { type: 'input_json_delta', partial_json: call.function.arguments },
          });
      }
      if (choice.finish_reason) stop = STOP_OF_FINISH[choice.finish_reason] ?? 'end_turn';
      return out;
    },
    end() {
      return (
        start({}) +
        close() +
        sseEvent('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: stop, stop_sequence: null },
          usage: anthropicUsage(usage),
        }) +
        sseEvent('message_stop', { type: 'message_stop' })
      );
    },
  };
}
