import { chatMessage, parseArguments, textOf, type OpenAiMessage, type Part } from '../message-content.js';
import type { Json } from '../wire-format.js';
import type { AnthropicBlock, AnthropicMessage } from './anthropic-types.js';

/** Messages needs `max_tokens`; OpenAI callers may leave it out. */
export const DEFAULT_MAX_TOKENS = 4096;

function blocksOf(content: unknown): AnthropicBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: AnthropicBlock[] = [];
  for (const part of content as { type: string; text?: string; image_url?: { url: string } | string }[]) {
    if (part.type === 'text' && typeof part.text === 'string') blocks.push({ type: 'text', text: part.text });
    if (part.type === 'image_url') {
      const url = typeof part.image_url === 'string' ? part.image_url : (part.image_url?.url ?? '');
      const data = /^data:([^;]+);base64,(.*)$/s.exec(url);
      blocks.push(
        data
          ? { type: 'image', source: { type: 'base64', media_type: data[1] as string, data: data[2] as string } }
          : { type: 'image', source: { type: 'url', url } },
      );
    }
  }
  return blocks;
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
 * An OpenAI chat request as a Messages request (to an Anthropic route): system messages become `system`,
 * tool calls `tool_use` blocks, tool messages `tool_result` blocks in a user turn, images image blocks;
 * `stop` becomes `stop_sequences`, `max_tokens` gets a default. Consecutive turns of one role are merged,
 * as Messages needs.
 */
export function toAnthropicRequest(body: Json, model: string): Json {
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicBlock[]) => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) (last.content as AnthropicBlock[]).push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const m of (body.messages as OpenAiMessage[] | undefined) ?? []) {
    if (m.role === 'system' || m.role === 'developer') system.push(textOf(m.content));
    else if (m.role === 'tool')
      push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id ?? '', content: textOf(m.content) }]);
    else if (m.role === 'assistant') {
      const calls: AnthropicBlock[] = (m.tool_calls ?? []).map((c) => ({
        type: 'tool_use',
        id: c.id,
        name: c.function.name,
        input: parseArguments(c.function.arguments),
      }));
      push('assistant', [...blocksOf(m.content), ...calls]);
    } else push('user', blocksOf(m.content));
  }
  const tools = body.tools as
    { type: string; function: { name: string; description?: string; parameters?: object } }[] | undefined;
  const stop = body.stop;
  const out: Json = {
    model,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length > 0) out.system = system.join('\n\n');
  if (body.stream === true) out.stream = true;
  for (const k of ['temperature', 'top_p'] as const) if (typeof body[k] === 'number') out[k] = body[k];
  if (stop !== undefined && stop !== null) out.stop_sequences = Array.isArray(stop) ? stop : [stop];
  if (tools?.length)
    out.tools = tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    }));
  const choice = toolChoice(body.tool_choice);
  if (choice) out.tool_choice = choice;
  if (typeof body.user === 'string') out.metadata = { user_id: body.user };
  return out;
}

function textOfResult(content: unknown): string {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((b) => (b as { text?: string }).text ?? '').join('') : '';
}

/**
 * A Messages request from an Anthropic client as an OpenAI chat request, so that the one planner and every
 * route serve it: `system` becomes a system message, `tool_use` blocks tool calls, `tool_result` blocks tool
 * messages, images data URLs.
 */
export function fromAnthropicRequest(body: Json): Json {
  const {
    model,
    max_tokens,
    messages,
    system,
    stream,
    tools,
    tool_choice,
    stop_sequences,
    temperature,
    top_p,
    metadata,
  } = body;
  const out: Json[] = [];
  if (system) out.push({ role: 'system', content: typeof system === 'string' ? system : textOfResult(system) });
  for (const m of messages as { role: string; content: string | AnthropicBlock[] }[]) {
    if (typeof m.content === 'string') {
      out.push({ role: m.role, content: m.content });
      continue;
    }
    const parts: Part[] = [];
    const calls: object[] = [];
    for (const b of m.content) {
      if (b.type === 'text') parts.push({ type: 'text', text: b.text });
      else if (b.type === 'image')
        parts.push({
          type: 'image_url',
          image_url: {
            url: b.source.type === 'base64' ? `data:${b.source.media_type};base64,${b.source.data}` : b.source.url,
          },
        });
      else if (b.type === 'tool_use')
        calls.push({
          id: b.id,
          type: 'function',
          function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
        });
      else if (b.type === 'tool_result')
        out.push({ role: 'tool', tool_call_id: b.tool_use_id, content: textOfResult(b.content) });
    }
    const message = chatMessage(m.role === 'assistant', parts, calls);
    if (message) out.push(message);
  }
  const request: Json = { model, max_tokens, messages: out };
  // The Messages stream ends with its usage: ask for the usage chunk that it is written from.
  if (stream) Object.assign(request, { stream: true, stream_options: { include_usage: true } });
  if (typeof temperature === 'number') request.temperature = temperature;
  if (typeof top_p === 'number') request.top_p = top_p;
  if (Array.isArray(stop_sequences)) request.stop = stop_sequences;
  if (Array.isArray(tools))
    request.tools = tools.map((t: { name: string; description?: string; input_schema?: object }) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
        parameters: t.input_schema ?? { type: 'object' },
      },
    }));
  if (tool_choice?.type === 'auto') request.tool_choice = 'auto';
  else if (tool_choice?.type === 'any') request.tool_choice = 'required';
  else if (tool_choice?.type === 'none') request.tool_choice = 'none';
  else if (tool_choice?.type === 'tool')
    request.tool_choice = { type: 'function', function: { name: tool_choice.name } };
  if (typeof metadata?.user_id === 'string') request.user = metadata.user_id;
  return request;
}
