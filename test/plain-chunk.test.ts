import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openAiFormat } from '../src/gateway/formats/openai/openai-format.js';
import { PlainChunk, plainChunkChars } from '../src/gateway/formats/openai/plain-chunk.js';
import type { Json } from '../src/gateway/formats/wire-format.js';
import { StreamMeter } from '../src/gateway/relay/meter.js';

/** What the stream meter counts of a parsed chunk: its deltas' content and tool-call arguments, in characters. */
function meteredChars(chunk: Json): number {
  let chars = 0;
  for (const c of (chunk.choices as Json[] | undefined) ?? []) {
    if (typeof c.delta?.content === 'string') chars += (c.delta.content as string).length;
    for (const call of (c.delta?.tool_calls as Json[] | undefined) ?? [])
      if (typeof call.function?.arguments === 'string') chars += (call.function.arguments as string).length;
  }
  return chars;
}

/** Mostly what upstreams send, sometimes what the match must refuse (one time in five). */
const mostly = <T, U>(common: fc.Arbitrary<T>, rare: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: common, weight: 4 }, { arbitrary: rare, weight: 1 });
const scalar = mostly(
  fc.oneof(fc.stringMatching(/^[\w .:-]*$/), fc.integer()),
  fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null), fc.boolean()),
);
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', ' fox', 'a"b', 'a\\nb', '😀'));
// A field that is undefined is left out by JSON.stringify.
const delta = fc.record({
  role: mostly(fc.constant('assistant'), fc.constantFrom(undefined, 'user')),
  content: mostly(text, fc.constantFrom(undefined, null)),
  refusal: mostly(fc.constant(undefined), fc.constant(null)),
  tool_calls: mostly(
    fc.constant(undefined),
    fc.array(fc.record({ index: fc.nat(3), function: fc.record({ arguments: text }) }), { maxLength: 2 }),
  ),
});
const choice = fc.record({
  index: fc.nat(3),
  delta,
  logprobs: mostly(fc.constant(null), fc.constantFrom(undefined, { content: [] })),
  finish_reason: fc.constantFrom(null, 'stop', 'length', undefined),
});
const usage = mostly(
  fc.constantFrom(undefined, null),
  fc.oneof(fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat() }), scalar),
);
/** Chunks as upstreams write them: scalar fields, choices, usage, in any order and combination. */
const chunk = fc
  .tuple(
    fc.dictionary(fc.constantFrom('id', 'object', 'created', 'model', 'system_fingerprint', 'error', 'x_1'), scalar),
    mostly(fc.tuple(choice), fc.array(choice, { maxLength: 2 })),
    usage,
    fc.dictionary(fc.constantFrom('service_tier', 'obfuscation'), scalar),
  )
  .map(([head, choices, u, tail]) => ({ ...head, choices, usage: u, ...tail }));

describe('an OpenAI stream chunk read without a parse', () => {
  it("is matched in the shapes upstreams send, and counted as the parsed chunk's text", () => {
    const shapes = [
      // The peer rig's mock, OpenAI's first chunk, its text chunks with usage:null and obfuscation, the finish.
      '{"id":"chatcmpl-mock1","object":"chat.completion.chunk","created":1765000000,"model":"gpt-4o-mini","system_fingerprint":"fp_mock","choices":[{"index":0,"delta":{"content":" fox"},"logprobs":null,"finish_reason":null}]}',
      '{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_4","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"aB"}',
      '{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello, wörld 😀"},"logprobs":null,"finish_reason":null}],"usage":null}',
      '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop","stop_reason":null}]}',
    ];
    for (const shape of shapes) expect(plainChunkChars(shape), shape).toBe(meteredChars(JSON.parse(shape) as Json));
  });

  it('is never matched when the chunk holds usage, tool calls, an escape or something that is not JSON', () => {
    for (const shape of [
      '{"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}',
      '{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]}}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"a\\nb"},"finish_reason":null}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}],"created":0001}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"a\nb"},"finish_reason":null}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}],"choices":5}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"x"},"delta":null}]}',
      // An escaped quote read as the end of a string would make this look like a chunk; it is not JSON.
      '{"id":"a\\","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}],"usage":5}',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]',
      '{"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":nul}]}',
    ])
      expect(plainChunkChars(shape), shape).toBeUndefined();
  });

  it('counts exactly what the meter counts of the parsed chunk, whatever the chunk', () => {
    let matched = 0;
    fc.assert(
      fc.property(chunk, (value) => {
        const raw = JSON.stringify(value);
        const chars = plainChunkChars(raw);
        if (chars === undefined) return;
        matched++;
        const parsed = JSON.parse(raw) as Json;
        expect(chars).toBe(meteredChars(parsed));
        // What it leaves out of the meter is not there: no usage, no tool calls.
        expect(parsed.usage ?? null).toBeNull();
        expect((parsed.choices as Json[]).every((c) => c.delta.tool_calls === undefined)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // The property is about matched chunks: enough of the generated ones are.
    expect(matched).toBeGreaterThan(100);
  });

  it('matches nothing that is not JSON', () => {
    const mangled = fc
      .tuple(chunk, fc.nat(), fc.constantFrom('', '"', '}', ',', ':', ' ', 'x', '0', '\n', '\\'))
      .map(([value, at, insert]) => {
        const raw = JSON.stringify(value);
        const i = at % (raw.length + 1);
        return raw.slice(0, i) + insert + raw.slice(i + 1);
      });
    fc.assert(
      fc.property(mangled, (raw) => {
        if (plainChunkChars(raw) !== undefined) expect(() => JSON.parse(raw) as unknown).not.toThrow();
      }),
      { numRuns: 10000 },
    );
  });

  it('is metered by its counted text, not parsed again', () => {
    const meter = new StreamMeter(
      false,
      { inputEstimate: 10, choices: 1 },
      { input: 1, output: 1, cachedInput: 0, cacheWrite: 0 },
    );
    // Text that would not parse: the meter takes the count and never reads `chunk`.
    const item = new PlainChunk('not json', 400);
    expect(meter.observe(item)).toBe(item);
    expect(meter.metered().usage).toMatchObject({ output: 100, estimated: true });
  });

  it('reaches an OpenAI caller as it came, and a caller of another format parsed', () => {
    const raw =
      '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}]}';
    const [item] = openAiFormat.createStreamReader()({ data: raw });
    expect(item).toBeInstanceOf(PlainChunk);
    expect(openAiFormat.createStreamWriter().write(item!)).toBe(`data: ${raw}\n\n`);
    expect((item as PlainChunk).chunk).toEqual(JSON.parse(raw));
  });
});
