import { sseEvent, type SseEvent } from '../sse.js';
import { chatChunk, parseObject, usageChunk, type Json, type StreamItem, type StreamWriter } from '../wire-format.js';
import { chatUsage, responseObject, responsesUsage } from './responses-answer.js';

/**
 * The Responses event stream (from a Responses route) as chat chunks: text deltas, function calls and their
 * argument deltas, and `response.completed`'s usage and finish. Stateful: one per stream.
 */
export function createResponsesStreamReader(): (event: SseEvent) => StreamItem[] {
  let id = '';
  let model = '';
  const calls = new Map<number, number>();
  const chunk = (delta: object, finish: string | null = null) => chatChunk(id, model, delta, finish);
  return (event) => {
    const data = parseObject(event.data, 'a stream event');
    switch (data.type) {
      case 'response.created':
        id = data.response?.id ?? '';
        model = data.response?.model ?? '';
        return [chunk({ role: 'assistant', content: '' })];
      case 'response.output_text.delta':
        return [chunk({ content: String(data.delta ?? '') })];
      case 'response.output_item.added':
        if (data.item?.type !== 'function_call') return [];
        calls.set(data.output_index, calls.size);
        return [
          chunk({
            tool_calls: [
              {
                index: calls.get(data.output_index),
                id: data.item.call_id,
                type: 'function',
                function: { name: data.item.name, arguments: '' },
              },
            ],
          }),
        ];
      case 'response.function_call_arguments.delta':
        return [
          chunk({
            tool_calls: [
              { index: calls.get(data.output_index) ?? 0, function: { arguments: String(data.delta ?? '') } },
            ],
          }),
        ];
      case 'response.completed':
      case 'response.incomplete': {
        const finish = calls.size > 0 ? 'tool_calls' : data.type === 'response.incomplete' ? 'length' : 'stop';
        const usage = data.response?.usage;
        return [chunk({}, finish), ...(usage ? [usageChunk(id, model, chatUsage(usage))] : [])];
      }
      case 'response.failed':
      case 'error': {
        const e = data.response?.error ?? data.error ?? data;
        return [
          { error: { message: String(e.message ?? 'upstream error'), code: String(e.code ?? 'upstream_error') } },
        ];
      }
      default:
        return [];
    }
  };
}

/**
 * Chat chunks (whichever route served them) as the Responses typed event stream, for a Responses caller:
 * `response.created`, then per output item `response.output_item.added` and its deltas (`output_text.delta`, or
 * `function_call_arguments.delta`), their `done` events, and `response.completed` with the usage.
 */
export function createResponsesStreamWriter(): StreamWriter {
  let seq = 0;
  let id = 'switchyard';
  let model = '';
  let started = false;
  let finish: string | null = null;
  let usage: Json | undefined;
  const items: Json[] = [];
  let text: { item: Json; index: number } | undefined;
  const calls = new Map<number, { item: Json; index: number }>();
  const emit = (type: string, data: object) => sseEvent(type, { type, sequence_number: seq++, ...data });
  const start = (data: Json) => {
    if (started) return '';
    started = true;
    if (data.id) id = String(data.id);
    if (data.model) model = String(data.model);
    const response = responseObject(id, model, 'in_progress', [], null);
    return emit('response.created', { response }) + emit('response.in_progress', { response });
  };
  const finishItems = () => {
    let out = '';
    for (const entry of [...(text ? [text] : []), ...calls.values()].sort((a, b) => a.index - b.index)) {
      const { item, index } = entry;
      if (item.type === 'message') {
        const part = item.content[0];
        out += emit('response.output_text.done', {
          item_id: item.id,
          output_index: index,
          content_index: 0,
          text: part.text,
        });
        out += emit('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part });
      } else
        out += emit('response.function_call_arguments.done', {
          item_id: item.id,
          output_index: index,
          arguments: item.arguments,
        });
      item.status = 'completed';
      out += emit('response.output_item.done', { output_index: index, item });
    }
    return out;
  };
  return {
    write(item) {
      if ('error' in item) return emit('error', { code: item.error.code, message: item.error.message, param: null });
      const data = item.chunk;
      let out = start(data);
      if (data.usage) usage = data.usage;
      const choice = data.choices?.[0];
      if (!choice) return out;
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string' && delta.content !== '') {
        if (!text) {
          const item = {
            type: 'message',
            id: `msg_${id}`,
            status: 'in_progress',
            role: 'assistant',
            content: [{ type: 'output_text', text: '', annotations: [] }],
          };
          text = { item, index: items.push(item) - 1 };
          out += emit('response.output_item.added', { output_index: text.index, item: { ...item, content: [] } });
          out += emit('response.content_part.added', {
            item_id: item.id,
            output_index: text.index,
            content_index: 0,
            part: { type: 'output_text', text: '', annotations: [] },
          });
        }
        text.item.content[0].text += delta.content;
        out += emit('response.output_text.delta', {
          item_id: text.item.id,
          output_index: text.index,
          content_index: 0,
          delta: delta.content,
        });
      }
      for (const call of delta.tool_calls ?? []) {
        let entry = calls.get(call.index);
        if (!entry) {
          const item = {
            type: 'function_call',
            id: `fc_${call.id}`,
            call_id: call.id,
            name: call.function?.name,
            arguments: '',
            status: 'in_progress',
          };
          entry = { item, index: items.push(item) - 1 };
          calls.set(call.index, entry);
          out += emit('response.output_item.added', { output_index: entry.index, item: { ...item } });
        }
        const args = call.function?.arguments;
        if (args) {
          entry.item.arguments += args;
          out += emit('response.function_call_arguments.delta', {
            item_id: entry.item.id,
            output_index: entry.index,
            delta: args,
          });
        }
      }
      if (choice.finish_reason) finish = choice.finish_reason;
      return out;
    },
    end() {
      const status = finish === 'length' ? 'incomplete' : 'completed';
      const out = start({}) + finishItems();
      return (
        out +
        emit(`response.${status}`, {
          response: responseObject(id, model, status, items, responsesUsage(usage), finish),
        })
      );
    },
  };
}
