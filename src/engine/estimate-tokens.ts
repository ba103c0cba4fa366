/**
 * Token estimates for planning and for upstreams that report no usage. About four characters a token for
 * English text with the common BPE tokenizers, plus OpenAI's per-message framing; an estimate is always
 * marked as one wherever it is recorded.
 */

const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;

export function estimateTextTokens(text: string): number {
  return estimateTokensOfChars(text.length);
}

export function estimateTokensOfChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Every piece of text in chat messages: string content, text parts, tool call arguments. */
export function* messageTexts(messages: unknown): Generator<string> {
  if (!Array.isArray(messages)) return;
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const { content, tool_calls: toolCalls } = message as { content?: unknown; tool_calls?: unknown };
    if (typeof content === 'string') yield content;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === 'string') yield text;
      }
    }
    if (Array.isArray(toolCalls)) {
      for (const call of toolCalls) {
        const args = (call as { function?: { arguments?: unknown } } | null)?.function?.arguments;
        if (typeof args === 'string') yield args;
      }
    }
  }
}

export function estimateMessagesTokens(messages: unknown): number {
  let tokens = 3; // every reply is primed with <|start|>assistant<|message|>
  if (Array.isArray(messages)) tokens += messages.length * TOKENS_PER_MESSAGE;
  for (const text of messageTexts(messages)) tokens += estimateTextTokens(text);
  return tokens;
}
