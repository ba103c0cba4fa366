import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WIRE_FORMATS } from '../src/gateway/formats/registry.js';
import { SseDecoder } from '../src/gateway/formats/sse.js';
import { SSE_FRAMING, type Json, type StreamItem, type WireFormat } from '../src/gateway/formats/wire-format.js';
import { StreamMeter } from '../src/gateway/relay/meter.js';

// One suite, every wire format, no branching on the format: what a format's caller side writes, its
// upstream side reads back to the same meaning — however the bytes are split on the way.

const chunk = (delta: object, finish: string | null = null): Json => ({
  id: 'msg_1',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const usageChunk = (prompt: number, completion: number): Json => ({
  id: 'msg_1',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion },
});

const STREAMS: Record<string, Json[]> = {
  text: [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'Hello ' }),
    chunk({ content: 'wörld 🌍, ' }),
    chunk({ content: 'again.' }),
    chunk({}, 'stop'),
    usageChunk(12, 5),
  ],
  'tool call': [
    chunk({ role: 'assistant', content: '' }),
    chunk({
      tool_calls: [{ index: 0, id: 'toolu_9', type: 'function', function: { name: 'weather', arguments: '' } }],
    }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    chunk({}, 'tool_calls'),
    usageChunk(30, 9),
  ],
};

/** What a stream means to a caller, whatever its format: text, tool calls, why it stopped, its usage. */
function meaning(items: readonly StreamItem[]) {
  let text = '';
  const tools: Record<number, { name?: string; args: string }> = {};
  let finish: string | undefined;
  let usage: unknown;
  const errors: string[] = [];
  for (const item of items) {
    if ('error' in item) {
      errors.push(item.error.message);
      continue;
    }
    const c = item.chunk;
    if (c.usage) usage = { prompt: c.usage.prompt_tokens, completion: c.usage.completion_tokens };
    for (const choice of c.choices ?? []) {
      if (typeof choice.delta?.content === 'string') text += choice.delta.content;
      for (const call of choice.delta?.tool_calls ?? []) {
        const t = (tools[call.index] ??= { args: '' });
        if (call.function?.name) t.name = call.function.name;
        t.args += call.function?.arguments ?? '';
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { text, tools, finish, usage, errors };
}

function encode(format: WireFormat, chunks: readonly Json[], error?: string): string {
  const writer = format.createStreamWriter();
  let out = chunks.map((c) => writer.write({ chunk: c })).join('');
  if (error) out += writer.write({ error: { message: error, code: 'overloaded' } });
  else out += writer.end();
  return out;
}

/** A writer's text in the format's framing: SSE as it is (LF or CRLF line ends), or the events re-framed. */
const framed = (format: WireFormat, text: string, useCrlf = false) =>
  Buffer.from((format.framing ?? SSE_FRAMING).frame(useCrlf ? text.replace(/\n/g, '\r\n') : text));

function decode(format: WireFormat, pieces: readonly Buffer[]): StreamItem[] {
  const sse = (format.framing ?? SSE_FRAMING).createDecoder();
  const read = format.createStreamReader();
  const items: StreamItem[] = [];
  for (const piece of pieces) items.push(...sse.push(piece).flatMap(read));
  items.push(...sse.end().flatMap(read));
  return items;
}

/** Cuts bytes at the given offsets (sorted, deduplicated, inside the buffer). */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const at = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const o of [...at, bytes.length]) {
    pieces.push(bytes.subarray(from, o));
    from = o;
  }
  return pieces;
}

describe.each(Object.values(WIRE_FORMATS).map((format) => ({ id: format.id, format })))('$id format', ({ format }) => {
  describe.each(Object.entries(STREAMS).map(([name, chunks]) => ({ name, chunks })))('a $name stream', ({ chunks }) => {
    const text = encode(format, chunks);
    const whole = framed(format, text);
    const expected = meaning(chunks.map((c) => ({ chunk: c })));

    it('reads back what it wrote', () => {
      expect(meaning(decode(format, [whole]))).toEqual(expected);
    });

    it('reads the same items however the bytes are split, with LF or CRLF line ends', () => {
      const reference = decode(format, [whole]);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 40 }), fc.boolean(), (offsets, useCrlf) => {
          const bytes = framed(format, text, useCrlf);
          expect(decode(format, cut(bytes, offsets))).toEqual(reference);
        }),
        { numRuns: 200 },
      );
    });

    it('meters a split stream exactly as the whole one', () => {
      const price = { input: 3, output: 7, cachedInput: 1, cacheWrite: 4 };
      const metered = (pieces: Buffer[]) => {
        const meter = new StreamMeter(false, { inputEstimate: 999, choices: 1 }, price);
        for (const item of decode(format, pieces)) meter.observe(item);
        return meter.metered();
      };
      const reference = metered([whole]);
      expect(reference.usage.estimated).toBe(false);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 20 }), (offsets) => {
          expect(metered(cut(framed(format, text, true), offsets))).toEqual(reference);
        }),
        { numRuns: 100 },
      );
    });
  });

  it('carries an upstream error event in the middle of a stream', () => {
    const items = decode(format, [framed(format, encode(format, STREAMS.text!.slice(0, 2), 'upstream overloaded'))]);
    expect(meaning(items)).toMatchObject({ text: 'Hello ', errors: ['upstream overloaded'] });
  });

  it('reads back a whole answer it wrote: text, tool calls, stop reason, usage with cache reads', () => {
    const answer = {
      id: 'msg_2',
      object: 'chat.completion',
      created: 0,
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'toolu_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 40, completion_tokens: 8, prompt_tokens_details: { cached_tokens: 10 } },
    };
    const back = format.readAnswer('chat', format.writeAnswer(answer));
    expect(back.choices[0]).toMatchObject({
      message: { tool_calls: [{ function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
      finish_reason: 'tool_calls',
    });
    expect(back.usage).toMatchObject({
      prompt_tokens: 40,
      completion_tokens: 8,
      prompt_tokens_details: { cached_tokens: 10 },
    });
  });

  it('refuses a 2xx body that is not its format', () => {
    for (const text of ['<html>502 Bad Gateway</html>', '{"status":"ok"}', '[]', ''])
      expect(() => format.readAnswer('chat', text)).toThrow();
  });

  it('carries a request to a route and back: system, turns, images, array content, tools and their results', () => {
    const request = {
      model: 'm',
      max_tokens: 300,
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is ' },
            { type: 'text', text: 'in this image?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_7', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_7', content: 'a cat' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            description: 'Look a thing up',
            parameters: { type: 'object', properties: { q: { type: 'string' } } },
          },
        },
      ],
      tool_choice: 'auto',
    };
    const call = format.buildCall('chat', request, 'upstream-m', 'sk-route');
    const back = format.readRequest(JSON.parse(call.body) as Json, call.path);
    expect(back).toMatchObject({ model: 'upstream-m', temperature: 0.2, tool_choice: 'auto' });
    // The limit comes back under either of chat's names (Responses' max_output_tokens is chat's max_completion_tokens).
    expect(back.max_tokens ?? back.max_completion_tokens).toBe(300);
    expect(back.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is ' },
          { type: 'text', text: 'in this image?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_7', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_7', content: 'a cat' },
    ]);
    expect(back.tools).toEqual(request.tools);
  });
});

describe('SSE decoding', () => {
  it('reads lines ended by CR alone, and keeps a UTF-8 character split across chunks', () => {
    const d = new SseDecoder();
    const bytes = Buffer.from('data: é\r\rdata: two\r\rdata: three\n\n');
    expect(d.push(bytes.subarray(0, 7))).toEqual([]);
    // A CR at the very end may still be the first half of a CRLF: its event waits for the next byte.
    expect(d.push(bytes.subarray(7, 20))).toEqual([{ data: 'é' }]);
    expect(d.push(bytes.subarray(20))).toEqual([{ data: 'two' }, { data: 'three' }]);
  });

  it('fails a stream whose one event grows past the limit instead of holding it all', () => {
    const d = new SseDecoder(1024);
    expect(() => d.push(Buffer.from(`data: ${'x'.repeat(2048)}`))).toThrow();
  });

  it('reads the same events however the bytes are cut: characters of every width split anywhere, a BOM, bytes that are not UTF-8', () => {
    const piece = fc.oneof(
      fc.constantFrom('data: ', '\n', '\n\n', 'é', '€', '🌍', 'x', '\uFEFF'),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    );
    const stream = fc.tuple(fc.boolean(), fc.array(piece, { maxLength: 30 }), fc.array(fc.integer(), { maxLength: 8 }));
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), ([bom, pieces, junk], cuts) => {
        const text = Buffer.concat([
          Buffer.from(bom ? '\uFEFF' : ''),
          Buffer.from(`data: ${pieces.join('')}`),
          // Bytes that are no character: a lone continuation byte, a lead byte with nothing after it.
          Buffer.from(junk.map((j) => [0x80, 0xc3, 0xff, 0x41][Math.abs(j) % 4] as number)),
          Buffer.from('\n\ndata: end\n\n'),
        ]);
        // What the specification reads: the whole text decoded at once (a BOM first dropped), then parsed.
        const expected: { data: string }[] = [];
        createParser({ onEvent: (e) => expected.push({ data: e.data }) }).feed(`${new TextDecoder().decode(text)}\n\n`);
        const cut = new SseDecoder();
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const got: unknown[] = [];
        let from = 0;
        for (const to of [...at, text.length]) {
          got.push(...cut.push(text.subarray(from, to)));
          from = to;
        }
        got.push(...cut.end());
        expect(got).toEqual(expected);
        expect(expected.at(-1)).toEqual({ data: 'end' });
      }),
      { numRuns: 500 },
    );
  });

  it('passes on a last event that ends without its blank line', () => {
    const d = new SseDecoder();
    expect(d.push(Buffer.from('data: [DONE]'))).toEqual([]);
    expect(d.end()).toEqual([{ data: '[DONE]' }]);
  });
});
