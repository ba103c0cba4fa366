import { chatMessage, parseArguments, textOf, type OpenAiMessage, type Part } from '../message-content.js';
import type { Json } from '../wire-format.js';
import { DEFAULT_MAX_TOKENS } from '../anthropic/anthropic-request.js';

/** A Converse content block (the shapes Switchyard reads and writes; Bedrock has more, e.g. documents, video). */
export type ConverseBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: ({ text: string } | { json: unknown })[]; status?: string } };

interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseBlock[];
}

function blocksOf(content: unknown): ConverseBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) return [];
  const blocks: ConverseBlock[] = [];
  for (const part of content as { type: string; text?: string; image_url?: { url: string } | string }[]) {
    if (part.type === 'text' && typeof part.text === 'string') blocks.push({ text: part.text });
    if (part.type === 'image_url') {
      const url = typeof part.image_url === 'string' ? part.image_url : (part.image_url?.url ?? '');
      const data = /^data:image\/([a-z]+);base64,(.*)$/s.exec(url);
      // Converse takes an image's bytes (or an S3 object), never a URL it would fetch.
      if (!data) throw new Error('a Bedrock route takes images as data: URLs only');
      blocks.push({
        image: { format: data[1] === 'jpg' ? 'jpeg' : (data[1] as string), source: { bytes: data[2] as string } },
      });
    }
  }
  return blocks;
}

/** OpenAI's `tool_choice` → Converse's (`none` has no Converse form: the tools stay, the model decides). */
function toolChoice(choice: unknown): object | undefined {
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  const name = (choice as { function?: { name?: string } } | undefined)?.function?.name;
  return name ? { tool: { name } } : undefined;
}

/**
 * An OpenAI chat request as a Converse request (the model is in the URL): system messages become `system`,
 * tool calls `toolUse` blocks, tool messages `toolResult` blocks in a user turn, images their bytes; limits and
 * sampling go in `inferenceConfig`. Consecutive turns of one role are merged, as Converse needs.
 */
export function toConverseRequest(body: Json): Json {
  const system: { text: string }[] = [];
  const messages: ConverseMessage[] = [];
  const push = (role: 'user' | 'assistant', blocks: ConverseBlock[]) => {
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };
  for (const m of (body.messages as OpenAiMessage[] | undefined) ?? []) {
    if (m.role === 'system' || m.role === 'developer') system.push({ text: textOf(m.content) });
    else if (m.role === 'tool')
      push('user', [{ toolResult: { toolUseId: m.tool_call_id ?? '', content: [{ text: textOf(m.content) }] } }]);
    else if (m.role === 'assistant') {
      const calls: ConverseBlock[] = (m.tool_calls ?? []).map((c) => ({
        toolUse: { toolUseId: c.id, name: c.function.name, input: parseArguments(c.function.arguments) },
      }));
      push('assistant', [...blocksOf(m.content), ...calls]);
    } else push('user', blocksOf(m.content));
  }
  const inference: Json = { maxTokens: body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_MAX_TOKENS };
  if (typeof body.temperature === 'number') inference.temperature = body.temperature;
  if (typeof body.top_p === 'number') inference.topP = body.top_p;
  const stop = body.stop;
  if (stop !== undefined && stop !== null) inference.stopSequences = Array.isArray(stop) ? stop : [stop];
  const out: Json = { messages, inferenceConfig: inference };
  if (system.length > 0) out.system = system;
  const tools = body.tools as
    { type: string; function: { name: string; description?: string; parameters?: object } }[] | undefined;
  if (tools?.length) {
    out.toolConfig = {
      tools: tools.map((t) => ({
        toolSpec: {
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          inputSchema: { json: t.function.parameters ?? { type: 'object', properties: {} } },
        },
      })),
    };
    const choice = toolChoice(body.tool_choice);
    if (choice) out.toolConfig.toolChoice = choice;
  }
  return out;
}

/** The model id in a Converse path (`/model/{modelId}/converse` or `/converse-stream`). */
export const modelOfPath = (path: string | undefined) =>
  decodeURIComponent(/\/model\/([^/]+)\/converse/.exec(path ?? '')?.[1] ?? '');

function textOfResult(content: readonly ({ text?: string; json?: unknown } | undefined)[]): string {
  return content.map((c) => c?.text ?? (c?.json === undefined ? '' : JSON.stringify(c.json))).join('');
}

/**
 * A Converse request as an OpenAI chat request (the mock upstream serves Bedrock through it): the reverse of
 * `toConverseRequest`.
 */
export function fromConverseRequest(body: Json, path?: string): Json {
  const out: Json[] = [];
  const system = body.system as { text?: string }[] | undefined;
  if (system?.length) out.push({ role: 'system', content: system.map((s) => s.text ?? '').join('\n\n') });
  for (const m of (body.messages as ConverseMessage[] | undefined) ?? []) {
    const parts: Part[] = [];
    const calls: object[] = [];
    for (const b of m.content as Json[]) {
      if (typeof b.text === 'string') parts.push({ type: 'text', text: b.text });
      else if (b.image)
        parts.push({
          type: 'image_url',
          image_url: { url: `data:image/${b.image.format};base64,${b.image.source.bytes}` },
        });
      else if (b.toolUse)
        calls.push({
          id: b.toolUse.toolUseId,
          type: 'function',
          function: { name: b.toolUse.name, arguments: JSON.stringify(b.toolUse.input ?? {}) },
        });
      else if (b.toolResult)
        out.push({
          role: 'tool',
          tool_call_id: b.toolResult.toolUseId,
          content: textOfResult(b.toolResult.content ?? []),
        });
    }
    const message = chatMessage(m.role === 'assistant', parts, calls);
    if (message) out.push(message);
  }
  const inference = (body.inferenceConfig ?? {}) as Json;
  const request: Json = { model: modelOfPath(path), messages: out };
  if (typeof inference.maxTokens === 'number') request.max_tokens = inference.maxTokens;
  if (typeof inference.temperature === 'number') request.temperature = inference.temperature;
  if (typeof inference.topP === 'number') request.top_p = inference.topP;
  if (Array.isArray(inference.stopSequences)) request.stop = inference.stopSequences;
  if (path?.endsWith('/converse-stream'))
    Object.assign(request, { stream: true, stream_options: { include_usage: true } });
  const config = body.toolConfig as Json | undefined;
  if (Array.isArray(config?.tools))
    request.tools = config.tools.map((t: Json) => ({
      type: 'function',
      function: {
        name: t.toolSpec.name,
        ...(t.toolSpec.description ? { description: t.toolSpec.description } : {}),
        parameters: t.toolSpec.inputSchema?.json ?? { type: 'object' },
      },
    }));
  if (config?.toolChoice?.auto) request.tool_choice = 'auto';
  else if (config?.toolChoice?.any) request.tool_choice = 'required';
  else if (config?.toolChoice?.tool)
    request.tool_choice = { type: 'function', function: { name: config.toolChoice.tool.name } };
  return request;
}
