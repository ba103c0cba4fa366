import { describe, expect, it } from 'vitest';
import { looksLikeAnswer, usageInText } from '../src/gateway/relay/raw-answer.js';

describe("reading an OpenAI answer's usage without parsing the answer", () => {
  const answer = (
    content: string,
    usage: object | null = { prompt_tokens: 8, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 2 } },
  ) =>
    JSON.stringify({
      id: 'x',
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      ...(usage ? { usage } : {}),
    });

  it('finds the usage object, nested details included', () => {
    expect(usageInText(answer('hi'))).toEqual({
      prompt_tokens: 8,
      completion_tokens: 3,
      prompt_tokens_details: { cached_tokens: 2 },
    });
  });

  it('is not fooled by braces, quotes or the word "usage" inside the text', () => {
    const tricky = 'a {"usage": {"prompt_tokens": 999}} and } { "usage"';
    expect(usageInText(answer(tricky))).toEqual({
      prompt_tokens: 8,
      completion_tokens: 3,
      prompt_tokens_details: { cached_tokens: 2 },
    });
    expect(usageInText(answer(tricky, null))).toBeUndefined();
  });

  it('gives up (undefined) on a usage that is not an object or is cut off', () => {
    expect(usageInText('{"choices":[],"usage":null}')).toBeUndefined();
    expect(usageInText('{"choices":[],"usage":{"prompt_tokens":8')).toBeUndefined();
  });

  it('tells an answer from an HTML page, a proxy status body and a cut-off body', () => {
    expect(looksLikeAnswer('chat', ` ${answer('hi')}\n`)).toBe(true);
    expect(looksLikeAnswer('chat', '<html>502 Bad Gateway</html>')).toBe(false);
    expect(looksLikeAnswer('chat', '{"status":"ok"}')).toBe(false);
    expect(looksLikeAnswer('chat', answer('hi').slice(0, -5))).toBe(false);
    expect(looksLikeAnswer('embeddings', '{"object":"list","data":[]}')).toBe(true);
  });
});
