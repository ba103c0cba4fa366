import { chatMessage, parseArguments, textOf, type OpenAiMessage, type Part } from '../message-content.js';
import { SIGNATURE, splitCallId } from './gemini-call-ids.js';
import type { Json } from '../wire-format.js';

/** A Gemini part (the shapes Switchyard reads and writes). */
export type GeminiPart =
  | { text: string; thought?: boolean }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType?: string; fileUri: string } }
  | { functionCall: { id?: string; name: string; args: unknown }; thoughtSignature?: string }
  | { functionResponse: { id?: string; name: string; response: unknown } };

function partsOf(content: unknown): GeminiPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) return [];
  const parts: GeminiPart[] = [];
  for (const p of content as { type: string; text?: string; image_url?: { url: string } | string }[]) {
    if (p.type === 'text' && typeof p.text === 'string') parts.push({ text: p.text });
    if (p.type === 'image_url') {
      const url = typeof p.image_url === 'string' ? p.image_url : (p.image_url?.url ?? '');
      const data = /^data:([^;]+);base64,(.*)$/s.exec(url);
      parts.push(
        data
          ? { inlineData: { mimeType: data[1] as string, data: data[2] as string } }
          : { fileData: { fileUri: url } },
      );
    }
  }
  return parts;
}

/** OpenAI's `tool_choice` → Gemini's `functionCallingConfig`. */
function callingConfig(choice: unknown): object | undefined {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  const name = (choice as { function?: { name?: string } } | undefined)?.function?.name;
  return name ? { mode: 'ANY', allowedFunctionNames: [name] } : undefined;
}

/**
 * An OpenAI chat request as a `generateContent` request (the model is in the URL): system messages become
 * `systemInstruction`, the assistant the `model` role, tool calls `functionCall` parts and tool messages
 * `functionResponse` parts (named after the call they answer), images inline data; tools become function
 * declarations with their JSON Schema as it is (`parametersJsonSchema`), limits and sampling `generationConfig`.
 */
export function toGeminiRequest(body: Json): Json {
  const system: string[] = [];
  const contents: { role: 'user' | 'model'; parts: GeminiPart[] }[] = [];
  const callNames = new Map<string, string>();
  const push = (role: 'user' | 'model', parts: GeminiPart[]) => {
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const m of (body.messages as OpenAiMessage[] | undefined) ?? []) {
    if (m.role === 'system' || m.role === 'developer') system.push(textOf(m.content));
    else if (m.role === 'tool') {
      const full = m.tool_call_id ?? '';
      const { id } = splitCallId(full);
      push('user', [
        { functionResponse: { id, name: callNames.get(full) ?? id, response: { content: textOf(m.content) } } },
      ]);
    } else if (m.role === 'assistant') {
      const calls: GeminiPart[] = (m.tool_calls ?? []).map((c) => {
        callNames.set(c.id, c.function.name);
        // The call's thought signature goes back beside it, as Gemini 3 requires.
        const { id, thoughtSignature } = splitCallId(c.id);
        const args = parseArguments(c.function.arguments);
        return { functionCall: { id, name: c.function.name, args }, ...(thoughtSignature ? { thoughtSignature } : {}) };
      });
      push('model', [...partsOf(m.content), ...calls]);
    } else push('user', partsOf(m.content));
  }
  const generation: Json = {};
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (typeof max === 'number') generation.maxOutputTokens = max;
  if (typeof body.temperature === 'number') generation.temperature = body.temperature;
  if (typeof body.top_p === 'number') generation.topP = body.top_p;
  if (typeof body.seed === 'number') generation.seed = body.seed;
  if (typeof body.n === 'number') generation.candidateCount = body.n;
  const stop = body.stop;
  if (stop !== undefined && stop !== null) generation.stopSequences = Array.isArray(stop) ? stop : [stop];
  if (body.response_format?.type === 'json_object' || body.response_format?.type === 'json_schema')
    generation.responseMimeType = 'application/json';
  if (body.response_format?.type === 'json_schema' && body.response_format.json_schema?.schema)
    generation.responseJsonSchema = body.response_format.json_schema.schema;
  const out: Json = { contents };
  if (system.length > 0) out.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  if (Object.keys(generation).length > 0) out.generationConfig = generation;
  const tools = body.tools as
    { type: string; function: { name: string; description?: string; parameters?: object } }[] | undefined;
  if (tools?.length) {
    out.tools = [
      {
        functionDeclarations: tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          parametersJsonSchema: t.function.parameters ?? { type: 'object', properties: {} },
        })),
      },
    ];
    const config = callingConfig(body.tool_choice);
    if (config) out.toolConfig = { functionCallingConfig: config };
  }
  return out;
}

/** The model in a `generateContent` path (`…/models/{model}:generateContent`). */
export const modelOfPath = (path: string | undefined) =>
  decodeURIComponent(/\/models\/([^/:]+):/.exec(path ?? '')?.[1] ?? '');

/** A `generateContent` request as an OpenAI chat request (the mock upstream serves Gemini through it). */
export function fromGeminiRequest(body: Json, path?: string): Json {
  const out: Json[] = [];
  const system = body.systemInstruction?.parts as { text?: string }[] | undefined;
  if (system?.length) out.push({ role: 'system', content: system.map((p) => p.text ?? '').join('') });
  for (const c of (body.contents ?? []) as { role?: string; parts: Json[] }[]) {
    const parts: Part[] = [];
    const calls: object[] = [];
    for (const p of c.parts) {
      if (typeof p.text === 'string') parts.push({ type: 'text', text: p.text });
      else if (p.inlineData)
        parts.push({
          type: 'image_url',
          image_url: { url: `data:${p.inlineData.mimeType};base64,${p.inlineData.data}` },
        });
      else if (p.fileData) parts.push({ type: 'image_url', image_url: { url: p.fileData.fileUri } });
      else if (p.functionCall)
        calls.push({
          id: `${p.functionCall.id ?? p.functionCall.name}${p.thoughtSignature ? `${SIGNATURE}${p.thoughtSignature}` : ''}`,
          type: 'function',
          function: { name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) },
        });
      else if (p.functionResponse) {
        const response = p.functionResponse.response;
        const content = typeof response?.content === 'string' ? response.content : JSON.stringify(response ?? {});
        out.push({ role: 'tool', tool_call_id: p.functionResponse.id ?? p.functionResponse.name, content });
      }
    }
    const message = chatMessage(c.role === 'model', parts, calls);
    if (message) out.push(message);
  }
  const g = (body.generationConfig ?? {}) as Json;
  const request: Json = { model: modelOfPath(path), messages: out };
  if (typeof g.maxOutputTokens === 'number') request.max_tokens = g.maxOutputTokens;
  if (typeof g.temperature === 'number') request.temperature = g.temperature;
  if (typeof g.topP === 'number') request.top_p = g.topP;
  if (Array.isArray(g.stopSequences)) request.stop = g.stopSequences;
  if (path?.includes(':streamGenerateContent'))
    Object.assign(request, { stream: true, stream_options: { include_usage: true } });
  const declarations = (body.tools as Json[] | undefined)?.flatMap((t) => t.functionDeclarations ?? []);
  if (declarations?.length)
    request.tools = declarations.map((d: Json) => ({
      type: 'function',
      function: {
        name: d.name,
        ...(d.description ? { description: d.description } : {}),
        parameters: d.parametersJsonSchema ?? d.parameters ?? { type: 'object' },
      },
    }));
  const config = body.toolConfig?.functionCallingConfig as Json | undefined;
  if (config?.mode === 'AUTO') request.tool_choice = 'auto';
  else if (config?.mode === 'NONE') request.tool_choice = 'none';
  else if (config?.mode === 'ANY')
    request.tool_choice =
      config.allowedFunctionNames?.length === 1
        ? { type: 'function', function: { name: config.allowedFunctionNames[0] } }
        : 'required';
  return request;
}
