import { sseEvent, type SseEvent } from '../sse.js';
import { chatChunk, parseObject, usageChunk, type Json, type StreamItem, type StreamWriter } from '../wire-format.js';
import { BEDROCK_ID, converseUsage, FINISH_OF_STOP, STOP_OF_FINISH, usageOfConverse } from './converse-answer.js';

/**
 * Bedrock's `converse-stream` events (`messageStart`, `contentBlockStart|Delta|Stop`, `messageStop`, `metadata`, and
 * exceptions such as `throttlingException`), already unframed, as OpenAI chunks ending with the usage chunk.
 */
export function createConverseStreamReader(): (event: SseEvent) => StreamItem[] {
  const toolIndex = new Map<number, number>();
  const chunk = (delta: object, finish: string | null = null) => chatChunk(BEDROCK_ID, '', delta, finish);
  return (event) => {
    const data = parseObject(event.data, 'a stream event');
    const name = event.event ?? '';
    if (name.endsWith('Exception'))
      return [{ error: { message: String(data.message ?? data.Message ?? 'upstream error'), code: name } }];
    switch (name) {
      case 'messageStart':
        return [chunk({ role: 'assistant', content: '' })];
      case 'contentBlockStart': {
        const tool = data.start?.toolUse;
        if (!tool) return [];
        toolIndex.set(data.contentBlockIndex, toolIndex.size);
        return [
          chunk({
            tool_calls: [
              {
                index: toolIndex.get(data.contentBlockIndex),
                id: tool.toolUseId,
                type: 'function',
                function: { name: tool.name, arguments: '' },
              },
            ],
          }),
        ];
      }
      case 'contentBlockDelta':
        if (typeof data.delta?.text === 'string') return [chunk({ content: data.delta.text })];
        if (typeof data.delta?.toolUse?.input === 'string')
          return [
            chunk({
              tool_calls: [
                {
                  index: toolIndex.get(data.contentBlockIndex) ?? 0,
                  function: { arguments: data.delta.toolUse.input },
                },
              ],
            }),
          ];
        return [];
      case 'messageStop':
        return [chunk({}, FINISH_OF_STOP[data.stopReason ?? ''] ?? 'stop')];
      case 'metadata':
        return [usageChunk(BEDROCK_ID, '', usageOfConverse(data.usage))];
      default:
        return [];
    }
  };
}

/** OpenAI chunks as Converse stream events (SSE text, framed as an event stream by the format's framing). */
export function createConverseStreamWriter(): StreamWriter {
  let started = false;
  let block = -1;
  let open = false;
  const tools = new Map<number, number>();
  let stop = 'end_turn';
  let usage: Json | undefined;
  const close = () => {
    const out = open ? sseEvent('contentBlockStop', { contentBlockIndex: block }) : '';
    open = false;
    return out;
  };
  const start = () => {
    if (started) return '';
    started = true;
    return sseEvent('messageStart', { role: 'assistant' });
  };
  let inText = false;
  return {
    write(item) {
      if ('error' in item) return sseEvent('internalServerException', { message: item.error.message });
      const data = item.chunk;
      let out = start();
      if (data.usage) usage = data.usage;
      const choice = data.choices?.[0];
      if (!choice) return out;
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string' && delta.content !== '') {
        if (!inText) {
          out += close();
          block++;
          open = inText = true;
        }
        out += sseEvent('contentBlockDelta', { contentBlockIndex: block, delta: { text: delta.content } });
      }
      for (const call of delta.tool_calls ?? []) {
        if (!tools.has(call.index)) {
          out += close();
          inText = false;
          tools.set(call.index, ++block);
          open = true;
          out += sseEvent('contentBlockStart', {
            contentBlockIndex: block,
            start: { toolUse: { toolUseId: call.id, name: call.function?.name } },
          });
        }
        if (call.function?.arguments)
          out += sseEvent('contentBlockDelta', {
            contentBlockIndex: tools.get(call.index),
            delta: { toolUse: { input: call.function.arguments } },
          });
      }
      if (choice.finish_reason) stop = STOP_OF_FINISH[choice.finish_reason] ?? 'end_turn';
      return out;
    },
    end() {
      return (
        start() +
        close() +
        sseEvent('messageStop', { stopReason: stop }) +
        sseEvent('metadata', { usage: converseUsage(usage), metrics: { latencyMs: 0 } })
      );
    },
  };
}
