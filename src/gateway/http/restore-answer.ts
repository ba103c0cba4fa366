import { restoreText, StreamRestorer } from '../../engine/redaction.js';
import type { Json, StreamItem } from '../formats/wire-format.js';
import type { Outcome } from '../outcome.js';
import type { RequestRedaction } from './redact-request.js';

/** A value written inside a JSON string (a tool call's `arguments` is JSON text): quotes and backslashes escaped. */
const inJson = (value: string) => JSON.stringify(value).slice(1, -1);

/** An answer in the gateway's shape with its placeholders put back: message text and tool-call arguments. */
function restoreAnswer(answer: Json, originals: ReadonlyMap<string, string>): Json {
  if (!Array.isArray(answer.choices)) return answer; // embeddings: nothing said back
  return {
    ...answer,
    choices: ((answer.choices ?? []) as Json[]).map((choice) => {
      const message = choice.message as Json | undefined;
      if (!message) return choice;
      return {
        ...choice,
        message: {
          ...message,
          ...(typeof message.content === 'string' ? { content: restoreText(message.content, originals) } : {}),
          ...(Array.isArray(message.tool_calls)
            ? {
                tool_calls: (message.tool_calls as Json[]).map((call) => ({
                  ...call,
                  function: {
                    ...call.function,
                    arguments: restoreText(String(call.function?.arguments ?? ''), originals, inJson),
                  },
                })),
              }
            : {}),
        },
      };
    }),
  };
}

/**
 * A stream's deltas with their placeholders put back as they pass: each choice's text and each tool call's arguments
 * through their own `StreamRestorer`, which holds back only a placeholder still arriving; what is held is let out
 * with the choice's finish, or at the end of the stream.
 */
async function* restoreStream(
  first: readonly StreamItem[],
  rest: AsyncGenerator<readonly StreamItem[]>,
  originals: ReadonlyMap<string, string>,
): AsyncGenerator<readonly StreamItem[]> {
  const restorers = new Map<string, StreamRestorer>();
  const through = (key: string, piece: string, escape?: (v: string) => string) => {
    let r = restorers.get(key);
    if (!r) restorers.set(key, (r = new StreamRestorer(originals, escape)));
    return r.push(piece);
  };
  const flush = (prefix: string) => {
    let out = '';
    for (const [key, r] of restorers) if (key.startsWith(prefix)) out += r.flush();
    return out;
  };
  /** What a choice's tool calls still hold, as deltas of their arguments, when the choice finishes. */
  const flushTools = (i: string): Json[] =>
    [...restorers]
      .filter(([key]) => key.startsWith(`${i}:tool:`))
      .flatMap(([key, r]) => {
        const rest = r.flush();
        return rest ? [{ index: Number(key.slice(`${i}:tool:`.length)), function: { arguments: rest } }] : [];
      });
  let last: Json | undefined;
  const restoreItem = (item: StreamItem): StreamItem => {
    if ('error' in item) return item;
    const chunk = item.chunk;
    last = chunk;
    return {
      chunk: {
        ...chunk,
        choices: ((chunk.choices ?? []) as Json[]).map((choice) => {
          const delta = (choice.delta ?? {}) as Json;
          const i = String(choice.index ?? 0);
          let content = typeof delta.content === 'string' ? through(`${i}:text`, delta.content) : delta.content;
          // A finish lets out what this choice still holds: text held back that never became a placeholder.
          if (choice.finish_reason) content = (content ?? '') + flush(`${i}:text`);
          let calls = Array.isArray(delta.tool_calls)
            ? (delta.tool_calls as Json[]).map((call) =>
                typeof call.function?.arguments === 'string'
                  ? {
                      ...call,
                      function: {
                        ...call.function,
                        arguments: through(`${i}:tool:${String(call.index)}`, call.function.arguments, inJson),
                      },
                    }
                  : call,
              )
            : undefined;
          if (choice.finish_reason) {
            const held = flushTools(i);
            if (held.length > 0) calls = [...(calls ?? []), ...held];
          }
          return {
            ...choice,
            delta: { ...delta, ...(content === undefined ? {} : { content }), ...(calls ? { tool_calls: calls } : {}) },
          };
        }),
      },
    };
  };
  yield first.map(restoreItem);
  for await (const items of rest) yield items.map(restoreItem);
  // Whatever is still held (a stream that ended without a finish): one last delta carries it.
  const held = flush('');
  if (held && last)
    yield [{ chunk: { ...last, choices: [{ index: 0, delta: { content: held }, finish_reason: null }] } }];
}

/**
 * The restore step: for a tenant that redacts with `restore`, the original values go back where the answer carries
 * placeholders, before `respond` writes it in the caller's format (OpenAI, Anthropic or Responses alike). An OpenAI
 * answer that would pass as it came is read, so its text can be restored.
 */
export function restored(outcome: Outcome, redaction: RequestRedaction | undefined): Outcome {
  if (!redaction?.restore || redaction.masking.count === 0) return outcome;
  const originals = redaction.masking.originals;
  switch (outcome.kind) {
    case 'answer':
      return { ...outcome, answer: restoreAnswer(outcome.answer, originals) };
    case 'raw-answer': {
      const { text, ...rest } = outcome;
      try {
        return { ...rest, kind: 'answer', answer: restoreAnswer(JSON.parse(text) as Json, originals) };
      } catch {
        return outcome; // read as an answer already, so this is not reached; if it were, the placeholders stay
      }
    }
    case 'stream':
      return { ...outcome, first: [], rest: restoreStream(outcome.first, outcome.rest, originals) };
    default:
      return outcome;
  }
}
