/**
 * Token estimates for planning and for upstreams that report no usage. About four characters a token for
 * English text with the common BPE tokenizers, plus OpenAI's per-message framing; an estimate is always
 * marked as one wherever it is recorded.
 */

const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;
/**
 * The most one image can bill as input: OpenAI's high detail tops out at 85 + 8 tiles × 170 = 1,445 tokens,
 * Anthropic's at ≈1,600 (1.15 megapixels ÷ 750); OpenAI's low detail is a flat 85.
 */
export const IMAGE_TOKENS_MAX = 1600;
const IMAGE_TOKENS_LOW = 85;

export function estimateTextTokens(text: string): number {
  return estimateTokensOfChars(text.length);
}

export function estimateTokensOfChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Every piece of text in chat messages: string content, text parts, tool call arguments. */
function* messageTexts(messages: unknown): Generator<string> {
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

function estimateMessagesTokens(messages: unknown): number {
  let tokens = 3; // every reply is primed with <|start|>assistant<|message|>
  if (Array.isArray(messages)) tokens += messages.length * TOKENS_PER_MESSAGE;
  for (const text of messageTexts(messages)) tokens += estimateTextTokens(text);
  return tokens;
}

/** Input tokens the images in chat messages can bill at most, by each part's `detail`. */
export function estimateImageTokens(messages: unknown): number {
  let tokens = 0;
  if (!Array.isArray(messages)) return 0;
  for (const message of messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (const part of content) {
      const p = part as { type?: unknown; image_url?: { detail?: unknown } } | null;
      if (p?.type === 'image_url') tokens += p.image_url?.detail === 'low' ? IMAGE_TOKENS_LOW : IMAGE_TOKENS_MAX;
    }
  }
  return tokens;
}

/** Request fields besides messages that the upstream bills as prompt tokens: tool schemas, output schemas. */
const BILLED_REQUEST_FIELDS = ['tools', 'functions', 'tool_choice', 'response_format'] as const;

/**
 * Every prompt token a chat request can bill: message text and framing, images at their most, and the tool
 * definitions and response schema the provider renders into the prompt (counted as their JSON text).
 */
export function estimateChatInputTokens(body: Readonly<Record<string, unknown>>): number {
  let tokens = estimateMessagesTokens(body.messages) + estimateImageTokens(body.messages);
  for (const field of BILLED_REQUEST_FIELDS) {
    const value = body[field];
    if (value !== undefined && value !== null) tokens += estimateTextTokens(JSON.stringify(value));
  }
  return tokens;
}
