import { sseData, SseParser } from '../sse-events.js';
import { FINISH_OF_STOP, type AnthropicBlock, type AnthropicMessage, type AnthropicResponse, type AnthropicUsage } from './anthropic-types.js';

/** Messages needs `max_tokens`; OpenAI callers may leave it out. */
export const DEFAULT_MAX_TOKENS = 4096;

interface OpenAiMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

function blocksOf(content: unknown): AnthropicBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: AnthropicBlock[] = [];
  for (const part of content as { type: string; text?: string; image_url?: { url: string } | string }[]) {
    if (part.type === 'text' && typeof part.text === 'string') blocks.push({ type: 'text', text: part.text });
    if (part.type === 'image_url') {
      const url = typeof part.image_url === 'string' ? part.image_url : (part.image_url?.url ?? '');
      const data = /^data:([^;]+);base64,(.*)$/s.exec(url);
      blocks.push(data ? { type: 'image', source: { type: 'base64', media_type: data[1] as string, data: data[2] as string } } : { type: 'image', source: { type: 'url', url } });
    }
  }
  return blocks;
}

function parseArguments(args: string): unknown {
  try {
    return JSON.parse(args || '{}');
  } catch {
    return { _raw: args };
  }
}

/** OpenAI's `tool_choice` → Anthropic's. */
function toolChoice(choice: unknown): object | undefined {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  const name = (choice as { function?: { name?: string } } | undefined)?.function?.name;
  return name ? { type: 'tool', name } : undefined;
}

/**
 * An OpenAI chat completion request as a Messages request: system messages become `system`, tool calls
 * `tool_use` blocks, tool messages `tool_result` blocks in a user turn, images image blocks; `stop` becomes
 * `stop_sequences`, `max_tokens` gets a default. Consecutive turns of one role are merged, as Messages needs.
 */
export function toAnthropicRequest(body: Record<string, unknown>, model: string): Record<string, unknown> {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicBlock[]) => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) (last.content as AnthropicBlock[]).push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const m of (body.messages as OpenAiMessage[] | undefined) ?? []) {
    if (m.role === 'system' || m.role === 'developer') system.push(textOf(m.content));
    else if (m.role === 'tool') push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id ?? '', content: textOf(m.content) }]);
    else if (m.role === 'assistant') {
      const calls: AnthropicBlock[] = (m.tool_calls ?? []).map((c) => ({ type: 'tool_use', id: c.id, name: c.function.name, input: parseArguments(c.function.arguments) }));
      push('assistant', [...blocksOf(m.content), ...calls]);
    } else push('user', blocksOf(m.content));
  }
  const tools = body.tools as { type: string; function: { name: string; description?: string; parameters?: object } }[] | undefined;
  const stop = body.stop;
  const out: Record<string, unknown> = {
    model,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length > 0) out.system = system.join('\n\n');
  if (body.stream === true) out.stream = true;
  for (const k of ['temperature', 'top_p'] as const) if (typeof body[k] === 'number') out[k] = body[k];
  if (stop !== undefined && stop !== null) out.stop_sequences = Array.isArray(stop) ? stop : [stop];
  if (tools?.length) out.tools = tools.map((t) => ({ name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), input_schema: t.function.parameters ?? { type: 'object', properties: {} } }));
  const choice = toolChoice(body.tool_choice);
  if (choice) out.tool_choice = choice;
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  return out;
}

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

/** A Messages response as an OpenAI chat completion. */
export function toOpenAiCompletion(text: string): string {
  const r = JSON.parse(text) as AnthropicResponse;
  const content = r.content.filter((b): b is { type: 'text'; text: string } => b.type === 'text').map((b) => b.text).join('');
  const calls = r.content
    .filter((b): b is { type: 'tool_use'; id: string; name: string; input: unknown } => b.type === 'tool_use')
    .map((b) => ({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }));
  return JSON.stringify({
    id: r.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: r.model,
    choices: [{ index: 0, message: { role: 'assistant', content: calls.length && !content ? null : content, ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: FINISH_OF_STOP[r.stop_reason ?? ''] ?? 'stop' }],
    usage: openAiUsage(r.usage),
  });
}

/**
 * Anthropic's event stream (`message_start`, `content_block_*`, `message_delta`, `message_stop`) as OpenAI
 * chunks, ending with the usage chunk and `[DONE]`. Stateful: one per stream.
 */
export function createAnthropicStreamTranslator(): (chunk: Buffer) => Buffer {
  const parser = new SseParser();
  let id = '';
  let model = '';
  const created = Math.floor(Date.now() / 1000);
  let usage: AnthropicUsage = { input_tokens: 0, output_tokens: 0 };
  let finish: string | null = null;
  const toolIndex = new Map<number, number>();
  const chunk = (delta: object, finishReason: string | null = null) => sseData({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] });

  return (bytes) => {
    let out = '';
    for (const e of parser.push(bytes)) {
      const data = JSON.parse(e.data) as Record<string, any>;
      switch (data.type) {
        case 'message_start':
          id = data.message.id;
          model = data.message.model;
          usage = { ...usage, ...data.message.usage };
          out += chunk({ role: 'assistant', content: '' });
          break;
        case 'content_block_start':
          if (data.content_block.type === 'tool_use') {
            const index = toolIndex.size;
            toolIndex.set(data.index, index);
            out += chunk({ tool_calls: [{ index, id: data.content_block.id, type: 'function', function: { name: data.content_block.name, arguments: '' } }] });
          }
          break;
        case 'content_block_delta':
          if (data.delta.type === 'text_delta') out += chunk({ content: data.delta.text });
          else if (data.delta.type === 'input_json_delta') out += chunk({ tool_calls: [{ index: toolIndex.get(data.index) ?? 0, function: { arguments: data.delta.partial_json } }] });
          break;
        case 'message_delta':
          finish = FINISH_OF_STOP[data.delta?.stop_reason ?? ''] ?? 'stop';
          usage = { ...usage, ...data.usage };
          break;
        case 'message_stop':
          out += chunk({}, finish ?? 'stop');
          out += sseData({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: openAiUsage(usage) });
          out += 'data: [DONE]\n\n';
          break;
        case 'error':
          out += sseData({ error: { message: data.error?.message ?? 'upstream error', type: 'api_error', code: data.error?.type ?? 'upstream_error', param: null } });
          break;
      }
    }
    return Buffer.from(out);
  };
}
