import type { GatewayError } from '../errors.js';
import { SseParser, sseEvent } from '../sse-events.js';
import { ANTHROPIC_ERROR_TYPE, STOP_OF_FINISH, type AnthropicBlock } from './anthropic-types.js';
import type { MessagesRequest } from './messages-schema.js';

type Part = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

function textOfResult(content: unknown): string {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((b) => (b as { text?: string }).text ?? '').join('') : '';
}

/**
 * A Messages request from an Anthropic client as an OpenAI chat request, so that the one planner and the
 * same adapters serve it: `system` becomes a system message, `tool_use` blocks tool calls, `tool_result`
 * blocks tool messages, images data URLs. Streams ask for the usage chunk (the answer needs it).
 */
export function toOpenAiRequest(body: MessagesRequest): Record<string, unknown> {
  const { model, max_tokens, messages, system, stream, tools, tool_choice, stop_sequences, temperature, top_p, metadata } = body as MessagesRequest & Record<string, any>;
  const out: Record<string, unknown>[] = [];
  if (system) out.push({ role: 'system', content: typeof system === 'string' ? system : textOfResult(system) });
  for (const m of messages) {
    if (typeof m.content === 'string') {
      out.push({ role: m.role, content: m.content });
      continue;
    }
    const blocks = m.content as AnthropicBlock[];
    const parts: Part[] = [];
    const calls: object[] = [];
    for (const b of blocks) {
      if (b.type === 'text') parts.push({ type: 'text', text: b.text });
      else if (b.type === 'image') parts.push({ type: 'image_url', image_url: { url: b.source.type === 'base64' ? `data:${b.source.media_type};base64,${b.source.data}` : b.source.url } });
      else if (b.type === 'tool_use') calls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
      else if (b.type === 'tool_result') out.push({ role: 'tool', tool_call_id: b.tool_use_id, content: textOfResult(b.content) });
    }
    const onlyText = parts.every((p) => p.type === 'text');
    const content = onlyText ? parts.map((p) => (p as { text: string }).text).join('') : parts;
    if (m.role === 'assistant') out.push({ role: 'assistant', content: calls.length && content === '' ? null : content, ...(calls.length ? { tool_calls: calls } : {}) });
    else if (parts.length > 0) out.push({ role: 'user', content });
  }
  const request: Record<string, unknown> = { model, max_tokens, messages: out };
  if (stream) Object.assign(request, { stream: true, stream_options: { include_usage: true } });
  if (typeof temperature === 'number') request.temperature = temperature;
  if (typeof top_p === 'number') request.top_p = top_p;
  if (Array.isArray(stop_sequences)) request.stop = stop_sequences;
  if (Array.isArray(tools)) request.tools = tools.map((t: { name: string; description?: string; input_schema?: object }) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema ?? { type: 'object' } } }));
  if (tool_choice?.type === 'auto') request.tool_choice = 'auto';
  else if (tool_choice?.type === 'any') request.tool_choice = 'required';
  else if (tool_choice?.type === 'none') request.tool_choice = 'none';
  else if (tool_choice?.type === 'tool') request.tool_choice = { type: 'function', function: { name: tool_choice.name } };
  if (typeof metadata?.user_id === 'string') request.user = metadata.user_id;
  return request;
}

interface OpenAiUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
}

function anthropicUsage(u: OpenAiUsage | undefined) {
  const read = u?.prompt_tokens_details?.cached_tokens ?? 0;
  const written = u?.prompt_tokens_details?.cache_write_tokens ?? 0;
  return { input_tokens: Math.max(0, (u?.prompt_tokens ?? 0) - read - written), output_tokens: u?.completion_tokens ?? 0, cache_read_input_tokens: read, cache_creation_input_tokens: written };
}

const messageId = (id: unknown) => (typeof id === 'string' && id.startsWith('msg_') ? id : `msg_${String(id ?? Date.now())}`);

/** An OpenAI chat completion (whichever route served it) as a Messages response. */
export function toAnthropicResponse(text: string): string {
  const r = JSON.parse(text) as { id?: string; model?: string; choices?: { message?: { content?: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] }; finish_reason?: string }[]; usage?: OpenAiUsage };
  const choice = r.choices?.[0];
  const content: AnthropicBlock[] = [];
  if (choice?.message?.content) content.push({ type: 'text', text: choice.message.content });
  for (const c of choice?.message?.tool_calls ?? []) {
    let input: unknown = {};
    try {
      input = JSON.parse(c.function.arguments || '{}');
    } catch {
      input = { _raw: c.function.arguments };
    }
    content.push({ type: 'tool_use', id: c.id, name: c.function.name, input });
  }
  return JSON.stringify({ id: messageId(r.id), type: 'message', role: 'assistant', model: r.model, content, stop_reason: STOP_OF_FINISH[choice?.finish_reason ?? 'stop'] ?? 'end_turn', stop_sequence: null, usage: anthropicUsage(r.usage) });
}

/** An OpenAI chunk stream as Anthropic's event stream. Stateful: one per stream. */
export function createMessagesStreamTranslator(): (chunk: Buffer) => Buffer {
  const parser = new SseParser();
  let started = false;
  let block = -1;
  let open: 'text' | 'tool' | undefined;
  const tools = new Map<number, number>();
  let stop = 'end_turn';
  let usage: OpenAiUsage | undefined;
  const close = () => {
    const out = open ? sseEvent('content_block_stop', { type: 'content_block_stop', index: block }) : '';
    open = undefined;
    return out;
  };
  return (bytes) => {
    let out = '';
    for (const e of parser.push(bytes)) {
      if (e.data === '[DONE]') {
        out += close();
        out += sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: anthropicUsage(usage) });
        out += sseEvent('message_stop', { type: 'message_stop' });
        continue;
      }
      const data = JSON.parse(e.data) as Record<string, any>;
      if (data.error) {
        out += sseEvent('error', { type: 'error', error: { type: 'api_error', message: data.error.message } });
        continue;
      }
      if (!started) {
        started = true;
        out += sseEvent('message_start', { type: 'message_start', message: { id: messageId(data.id), type: 'message', role: 'assistant', model: data.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } });
      }
      if (data.usage) usage = data.usage;
      const choice = data.choices?.[0];
      if (!choice) continue;
      const delta = choice.delta ?? {};
      if (typeof delta.content === 'string' && delta.content !== '') {
        if (open !== 'text') {
          out += close();
          open = 'text';
          out += sseEvent('content_block_start', { type: 'content_block_start', index: ++block, content_block: { type: 'text', text: '' } });
        }
        out += sseEvent('content_block_delta', { type: 'content_block_delta', index: block, delta: { type: 'text_delta', text: delta.content } });
      }
      for (const call of delta.tool_calls ?? []) {
        if (!tools.has(call.index)) {
          out += close();
          open = 'tool';
          tools.set(call.index, ++block);
          out += sseEvent('content_block_start', { type: 'content_block_start', index: block, content_block: { type: 'tool_use', id: call.id, name: call.function?.name, input: {} } });
        }
        if (call.function?.arguments) out += sseEvent('content_block_delta', { type: 'content_block_delta', index: tools.get(call.index), delta: { type: 'input_json_delta', partial_json: call.function.arguments } });
      }
      if (choice.finish_reason) stop = STOP_OF_FINISH[choice.finish_reason] ?? 'end_turn';
    }
    return Buffer.from(out);
  };
}

/** A gateway error in Anthropic's shape, for Anthropic clients. */
export function toAnthropicError(e: GatewayError) {
  return { type: 'error', error: { type: ANTHROPIC_ERROR_TYPE[e.type] ?? 'api_error', message: e.message } };
}
