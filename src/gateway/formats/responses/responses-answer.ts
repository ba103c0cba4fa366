import { parseObject, UnreadableAnswerError, type Json } from '../wire-format.js';

/** Chat usage as the Responses API counts it (input, output and their details). */
export function responsesUsage(u: Json | undefined): Json {
  const input = u?.prompt_tokens ?? 0;
  const output = u?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u?.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: u?.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: input + output,
  };
}

/** Responses usage as chat's. */
export function chatUsage(u: Json): Json {
  const prompt = u.input_tokens ?? 0;
  const completion = u.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u.input_tokens_details?.cached_tokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: u.output_tokens_details?.reasoning_tokens ?? 0 },
  };
}

export const responseId = (id: unknown) =>
  typeof id === 'string' && id.startsWith('resp_')
    ? id
    : `resp_${String(id ?? 'switchyard').replace(/[^A-Za-z0-9_-]/g, '')}`;

/** A chat answer's output as Responses output items: the message (when it has text), then each function call. */
export function outputItems(id: string, text: string | null | undefined, calls: readonly Json[]): Json[] {
  const items: Json[] = [];
  if (text)
    items.push({
      type: 'message',
      id: `msg_${id}`,
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text, annotations: [] }],
    });
  for (const c of calls)
    items.push({
      type: 'function_call',
      id: `fc_${c.id}`,
      call_id: c.id,
      name: c.function?.name,
      arguments: c.function?.arguments ?? '',
      status: 'completed',
    });
  return items;
}

/** The response object, as OpenAI's SDK reads it (its `output_text` is computed by the SDK from `output`). */
export function responseObject(
  id: string,
  model: string,
  status: string,
  output: Json[],
  usage: Json | null,
  finish?: string | null,
): Json {
  return {
    id: responseId(id),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: finish === 'length' ? { reason: 'max_output_tokens' } : null,
    model,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage,
  };
}

/** The gateway's chat answer (whichever route served it) as a Responses response, for a Responses caller. */
export function writeResponsesAnswer(answer: Json): string {
  const choice = answer.choices?.[0] ?? {};
  const id = String(answer.id ?? 'switchyard');
  const output = outputItems(id, choice.message?.content, choice.message?.tool_calls ?? []);
  const status = choice.finish_reason === 'length' ? 'incomplete' : 'completed';
  return JSON.stringify(
    responseObject(id, String(answer.model ?? ''), status, output, responsesUsage(answer.usage), choice.finish_reason),
  );
}

/** A Responses response (from a Responses route) as the gateway's chat answer. */
export function readResponsesAnswer(text: string): Json {
  const r = parseObject(text, 'the answer');
  if (r.object !== 'response' || !Array.isArray(r.output))
    throw new UnreadableAnswerError('the answer is not a Responses response');
  const message = r.output.filter((o: Json) => o.type === 'message');
  const content = message
    .flatMap((m: Json) => (m.content ?? []).filter((p: Json) => p.type === 'output_text').map((p: Json) => p.text))
    .join('');
  const calls = r.output
    .filter((o: Json) => o.type === 'function_call')
    .map((o: Json) => ({ id: o.call_id, type: 'function', function: { name: o.name, arguments: o.arguments ?? '' } }));
  const finish = calls.length > 0 ? 'tool_calls' : r.status === 'incomplete' ? 'length' : 'stop';
  return {
    id: r.id,
    object: 'chat.completion',
    created: r.created_at ?? 0,
    model: r.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: calls.length && !content ? null : content,
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        finish_reason: finish,
      },
    ],
    ...(r.usage ? { usage: chatUsage(r.usage) } : {}),
  };
}
