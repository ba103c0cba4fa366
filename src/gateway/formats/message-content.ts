/** What every translating format reads alike out of an OpenAI message: its text, and a tool call's arguments. */

/** An OpenAI chat message as the translating formats read it. */
export interface OpenAiMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** A content part of an OpenAI message, as the formats write one back. */
export type Part = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

/** A message's text: its string content, or its text parts joined (images and other parts carry none). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
    .join('');
}

/** A tool call's `arguments` text as the object formats other than OpenAI's carry; what is not JSON kept as `_raw`. */
export function parseArguments(args: string): unknown {
  try {
    return JSON.parse(args || '{}');
  } catch {
    return { _raw: args };
  }
}

/**
 * One turn of a translated conversation as an OpenAI message: its parts joined into text when all are text, the
 * assistant's tool calls beside; a user turn with no parts (only tool results, already given as tool messages) is none.
 */
export function chatMessage(assistant: boolean, parts: readonly Part[], calls: readonly object[]): object | undefined {
  const onlyText = parts.every((p) => p.type === 'text');
  const content = onlyText ? parts.map((p) => (p as { text: string }).text).join('') : parts;
  if (assistant)
    return {
      role: 'assistant',
      content: calls.length && content === '' ? null : content,
      ...(calls.length ? { tool_calls: calls } : {}),
    };
  return parts.length > 0 ? { role: 'user', content } : undefined;
}
