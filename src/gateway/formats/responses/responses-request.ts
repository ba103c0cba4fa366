import { GatewayError } from '../../errors.js';
import { UnsupportedEndpointError, type Json } from '../wire-format.js';

/** Tools the Responses API runs itself: no chat-completions or Messages route can. */
const BUILT_IN_TOOLS = new Set([
  'web_search',
  'web_search_preview',
  'file_search',
  'code_interpreter',
  'computer_use_preview',
  'image_generation',
  'mcp',
  'local_shell',
]);

const refuse = (param: string, why: string) =>
  new GatewayError('invalid_request', `'${param}' cannot be honoured: ${why}`, { param });

/**
 * What a Responses request asks that no translation can give: state kept on the server between requests
 * (`previous_response_id`, `store: true`, `conversation`, `background`) and the tools OpenAI runs itself. Each is
 * a 400 naming the field, never silently dropped. (A Responses route is sent the request as it is, and may.)
 */
export function refuseUntranslatable(body: Json): void {
  if (body.previous_response_id)
    throw refuse('previous_response_id', 'Switchyard keeps no responses between requests; send the whole input');
  if (body.store === true) throw refuse('store', 'Switchyard stores no responses; leave it out or set it to false');
  if (body.conversation) throw refuse('conversation', 'Switchyard keeps no conversations');
  if (body.background === true) throw refuse('background', 'background responses need server-side state');
  if (body.prompt) throw refuse('prompt', 'stored prompt templates live on OpenAI');
  (body.tools ?? []).forEach((tool: Json, i: number) => {
    if (tool.type !== 'function')
      throw refuse(
        `tools[${i}]`,
        `built-in tool '${String(tool.type)}'${BUILT_IN_TOOLS.has(tool.type) ? " runs on OpenAI's side" : ' is not a function tool'}; only function tools can be routed`,
      );
  });
}

/** A Responses content part as a chat one: text and images; a file input cannot be carried. */
function chatPart(part: Json, at: string): Json {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return { type: 'text', text: String(part.text ?? '') };
    case 'input_image':
      return {
        type: 'image_url',
        image_url: { url: String(part.image_url ?? ''), ...(part.detail ? { detail: part.detail } : {}) },
      };
    default:
      throw refuse(at, `content of type '${String(part.type)}' cannot be sent to a chat route`);
  }
}

function chatContent(content: unknown, at: string): unknown {
  if (typeof content === 'string' || content === undefined) return content ?? '';
  return (content as Json[]).map((p, i) => chatPart(p, `${at}.content[${i}]`));
}

/** `text.format` → chat's `response_format`. */
function responseFormat(format: Json | undefined): Json | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema')
    return {
      type: 'json_schema',
      json_schema: {
        name: format.name,
        schema: format.schema,
        ...(format.strict === undefined ? {} : { strict: format.strict }),
        ...(format.description ? { description: format.description } : {}),
      },
    };
  throw refuse('text.format', `format type '${String(format.type)}' is not one of text, json_object, json_schema`);
}

/**
 * A Responses request (from a caller) as the gateway's chat request: `instructions` the first system message,
 * input messages messages, `function_call` items an assistant turn's tool calls, `function_call_output` items tool
 * messages; function tools, `tool_choice`, `max_output_tokens`, `temperature`, `top_p`, `metadata`, `text.format`
 * and `reasoning.effort` carried over; what a chat route has no place for (reasoning items) is dropped. The detector
 * reads the caller's body as sent, not this translation (see docs/detection.md).
 */
export function fromResponsesRequest(body: Json): Json {
  refuseUntranslatable(body);
  const messages: Json[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '')
    messages.push({ role: 'system', content: body.instructions });
  const input: Json[] = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : (body.input ?? []);
  input.forEach((item, i) => {
    const at = `input[${i}]`;
    if (item.type === 'function_call') {
      const call = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
      const last = messages.at(-1);
      // Several calls of one turn are one assistant message with several tool calls.
      if (last?.role === 'assistant' && Array.isArray(last.tool_calls) && !last.content) last.tool_calls.push(call);
      else messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    } else if (item.type === 'function_call_output') {
      messages.push({
        role: 'tool',
        tool_call_id: item.call_id,
        content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output),
      });
    } else if (item.type === undefined || item.type === 'message') {
      const role = item.role === 'developer' ? 'system' : item.role;
      if (!['user', 'assistant', 'system'].includes(role))
        throw refuse(`${at}.role`, `role '${String(item.role)}' is not user, assistant, system or developer`);
      messages.push({ role, content: chatContent(item.content, at) });
    } else if (item.type === 'reasoning') {
      // The model's own reasoning summary from an earlier turn: a chat route has nowhere to take it.
    } else throw refuse(`${at}.type`, `input items of type '${String(item.type)}' cannot be sent to a chat route`);
  });
  const tools = (body.tools ?? []).map((t: Json) => ({
    type: 'function',
    function: {
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      parameters: t.parameters ?? { type: 'object', properties: {} },
      ...(t.strict === undefined ? {} : { strict: t.strict }),
    },
  }));
  const choice = body.tool_choice;
  const format = responseFormat(body.text?.format);
  return {
    model: body.model,
    messages,
    ...(tools.length > 0 ? { tools } : {}),
    ...(choice === undefined
      ? {}
      : { tool_choice: typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } } }),
    ...(typeof body.max_output_tokens === 'number' ? { max_completion_tokens: body.max_output_tokens } : {}),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { top_p: body.top_p } : {}),
    ...(body.metadata ? { metadata: body.metadata } : {}),
    ...(format ? { response_format: format } : {}),
    ...(body.reasoning?.effort ? { reasoning_effort: body.reasoning.effort } : {}),
    ...(typeof body.parallel_tool_calls === 'boolean' ? { parallel_tool_calls: body.parallel_tool_calls } : {}),
    ...(typeof body.user === 'string' ? { user: body.user } : {}),
    ...(body.stream === true ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

function inputContent(content: unknown, role: string): unknown {
  if (typeof content === 'string' || content === null || content === undefined) return content ?? '';
  return (content as Json[]).map((p) =>
    p.type === 'image_url'
      ? { type: 'input_image', image_url: typeof p.image_url === 'string' ? p.image_url : p.image_url?.url }
      : { type: role === 'assistant' ? 'output_text' : 'input_text', text: String(p.text ?? '') },
  );
}

/** Chat fields the Responses API has no place for: a route of this format cannot carry a request that sets one. */
const NO_RESPONSES_EQUIVALENT = [
  'stop',
  'n',
  'logprobs',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'seed',
] as const;

/**
 * The gateway's chat request as a Responses request (to a Responses route), the reverse of `fromResponsesRequest`.
 * A chat field with no Responses equivalent makes the route unable to carry it (the next route is tried), never a
 * silent drop.
 */
export function toResponsesRequest(body: Json, model: string): Json {
  const lost = NO_RESPONSES_EQUIVALENT.find(
    (f) => body[f] !== undefined && body[f] !== null && !(f === 'n' && body.n === 1),
  );
  if (lost) throw new UnsupportedEndpointError(`a Responses route cannot carry '${lost}'`);
  const input: Json[] = [];
  for (const m of (body.messages ?? []) as Json[]) {
    if (m.role === 'tool')
      input.push({
        type: 'function_call_output',
        call_id: m.tool_call_id,
        output: typeof m.content === 'string' ? m.content : JSON.stringify(m.content),
      });
    else if (m.role === 'assistant' && Array.isArray(m.tool_calls)) {
      if (m.content) input.push({ role: 'assistant', content: inputContent(m.content, 'assistant') });
      for (const c of m.tool_calls)
        input.push({
          type: 'function_call',
          call_id: c.id,
          name: c.function?.name,
          arguments: c.function?.arguments ?? '',
        });
    } else input.push({ role: m.role === 'system' ? 'developer' : m.role, content: inputContent(m.content, m.role) });
  }
  const rf = body.response_format;
  const limit = body.max_completion_tokens ?? body.max_tokens;
  return {
    model,
    input,
    ...(Array.isArray(body.tools)
      ? {
          tools: body.tools.map((t: Json) => ({
            type: 'function',
            name: t.function?.name,
            ...(t.function?.description ? { description: t.function.description } : {}),
            parameters: t.function?.parameters,
            ...(t.function?.strict === undefined ? {} : { strict: t.function.strict }),
          })),
        }
      : {}),
    ...(body.tool_choice === undefined
      ? {}
      : {
          tool_choice:
            typeof body.tool_choice === 'string'
              ? body.tool_choice
              : { type: 'function', name: body.tool_choice.function?.name },
        }),
    ...(typeof limit === 'number' ? { max_output_tokens: limit } : {}),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { top_p: body.top_p } : {}),
    ...(rf?.type === 'json_schema'
      ? { text: { format: { type: 'json_schema', ...rf.json_schema } } }
      : rf?.type === 'json_object'
        ? { text: { format: { type: 'json_object' } } }
        : {}),
    ...(body.reasoning_effort ? { reasoning: { effort: body.reasoning_effort } } : {}),
    ...(body.stream === true ? { stream: true } : {}),
    store: false,
  };
}
