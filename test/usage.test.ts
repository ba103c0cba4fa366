import { describe, expect, it } from 'vitest';
import { answerAsBilled, meter, meterAnswer, StreamMeter } from '../src/gateway/relay/meter.js';
import { MAX_TOKENS_PER_REQUEST, openAiUsage, usageBound, usageFromOpenAi } from '../src/gateway/relay/usage.js';

// Usage is data from outside: only whole, non-negative, bounded counts are believed.
const PRICE = { input: 1_000, output: 4_000, cachedInput: 100, cacheWrite: 1_250 };
/** A request with this prompt estimate and no output limit of its own. */
const size = (inputEstimate: number) => ({ inputEstimate, choices: 1 });

describe('usage from an upstream', () => {
  it('reads every count, cache reads and writes and reasoning included', () => {
    expect(
      usageFromOpenAi({
        prompt_tokens: 100,
        completion_tokens: 20,
        prompt_tokens_details: { cached_tokens: 30, cache_write_tokens: 10 },
        completion_tokens_details: { reasoning_tokens: 5 },
      }),
    ).toEqual({
      input: 100,
      output: 20,
      cachedInput: 30,
      cacheWrite: 10,
      reasoning: 5,
      estimated: false,
    });
  });

  it('treats absent optional counts as zero, and null details as absent', () => {
    expect(usageFromOpenAi({ prompt_tokens: 7, prompt_tokens_details: null, completion_tokens_details: null })).toEqual(
      { input: 7, output: 0, cachedInput: 0, cacheWrite: 0, reasoning: 0, estimated: false },
    );
  });

  it.each([
    ['no usage', undefined],
    ['not an object', 'lots'],
    ['no prompt tokens', { completion_tokens: 3 }],
    ['fractional', { prompt_tokens: 10.3, completion_tokens: 1 }],
    ['negative output', { prompt_tokens: 10, completion_tokens: -1_000_000 }],
    ['negative cache reads', { prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: -5 } }],
    ['a string', { prompt_tokens: '10', completion_tokens: 1 }],
    ['past the bound', { prompt_tokens: MAX_TOKENS_PER_REQUEST + 1, completion_tokens: 1 }],
    ['1e15 output', { prompt_tokens: 1, completion_tokens: 1e15 }],
    [
      'more cached than sent',
      { prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 8, cache_write_tokens: 3 } },
    ],
    [
      'NaN reasoning',
      { prompt_tokens: 10, completion_tokens: 1, completion_tokens_details: { reasoning_tokens: Number.NaN } },
    ],
  ])('does not believe %s', (_, usage) => {
    expect(usageFromOpenAi(usage)).toBeUndefined();
  });

  it('accepts the bound itself', () => {
    expect(usageFromOpenAi({ prompt_tokens: MAX_TOKENS_PER_REQUEST, completion_tokens: 0 })?.input).toBe(
      MAX_TOKENS_PER_REQUEST,
    );
  });
});

describe('metering', () => {
  it('prices reported usage exactly, each kind of token at its price', () => {
    const m = meter(
      { input: 100, output: 20, cachedInput: 30, cacheWrite: 10, reasoning: 0, estimated: false },
      size(999),
      999,
      PRICE,
    );
    expect(m.costPico).toBe(60n * 1_000n + 30n * 100n + 10n * 1_250n + 20n * 4_000n);
  });

  it('estimates from the planner input estimate and the text when nothing was reported, and says so', () => {
    const m = meterAnswer(
      {
        choices: [{ message: { content: 'x'.repeat(40) } }, { message: { content: 'y'.repeat(4) } }],
        usage: { prompt_tokens: -1 },
      },
      size(50),
      PRICE,
    );
    expect(m.usage).toEqual({ input: 50, output: 11, cachedInput: 0, reasoning: 0, estimated: true });
    expect(m.costPico).toBe(50n * 1_000n + 11n * 4_000n);
  });

  it('a stream meter keeps the usage chunk only when asked, counts text and tool arguments for estimates', () => {
    const usage = { chunk: { choices: [], usage: { prompt_tokens: 9, completion_tokens: 3 } } };
    const text = { chunk: { choices: [{ delta: { content: 'abcd' } }] } };
    const tool = { chunk: { choices: [{ delta: { tool_calls: [{ function: { arguments: 'efgh' } }] } }] } };
    const dropping = new StreamMeter(false, size(1), PRICE);
    expect(dropping.observe(text)).toBe(text);
    expect(dropping.observe(usage)).toBeUndefined();
    expect(dropping.metered().usage).toMatchObject({ input: 9, output: 3, estimated: false });
    const keeping = new StreamMeter(true, size(1), PRICE);
    expect(keeping.observe(usage)).toBe(usage);
    const cut = new StreamMeter(false, size(5), PRICE);
    cut.observe(text);
    cut.observe(tool);
    expect(cut.metered().usage).toMatchObject({ input: 5, output: 2, estimated: true });
  });

  it('passes error items through untouched', () => {
    const error = { error: { message: 'overloaded', code: 'x' } };
    expect(new StreamMeter(false, size(0), PRICE).observe(error)).toBe(error);
  });

  it('reads whatever shape an upstream sends without throwing: no choices, no delta, no message, no function', () => {
    const m = new StreamMeter(false, size(0), PRICE);
    for (const chunk of [
      {},
      { choices: [{}] },
      { choices: [{ delta: {} }] },
      { choices: [{ delta: { tool_calls: [{}] } }] },
      { choices: [{ delta: { content: 7 } }] },
    ])
      expect(m.observe({ chunk })).toEqual({ chunk });
    expect(m.metered().usage.output).toBe(0);
    expect(meterAnswer({}, size(3), PRICE).usage).toMatchObject({ input: 3, output: 0, estimated: true });
    expect(
      meterAnswer({ choices: [{}, { message: {} }, { message: { content: 'abcd' } }] }, size(3), PRICE).usage.output,
    ).toBe(1);
  });

  it('drops only a usage chunk with no choices: other empty chunks, a null usage and usage riding on a content chunk pass', () => {
    const m = new StreamMeter(false, size(0), PRICE);
    const empty = { chunk: { choices: [] } };
    const nullUsage = { chunk: { choices: [], usage: null } };
    const riding = {
      chunk: { choices: [{ delta: { content: 'ab' } }], usage: { prompt_tokens: 4, completion_tokens: 1 } },
    };
    const bare = { chunk: { usage: { prompt_tokens: 5, completion_tokens: 2 } } };
    expect(m.observe(empty)).toBe(empty);
    expect(m.observe(nullUsage)).toBe(nullUsage);
    expect(m.observe(riding)).toBe(riding);
    expect(m.metered().usage).toMatchObject({ input: 4, output: 1, estimated: false });
    expect(m.observe(bare)).toBeUndefined();
    expect(m.metered().usage).toMatchObject({ input: 5, output: 2 });
  });

  it('a later unreadable usage does not erase a readable one', () => {
    const m = new StreamMeter(true, size(0), PRICE);
    m.observe({ chunk: { choices: [], usage: { prompt_tokens: 4, completion_tokens: 1 } } });
    m.observe({ chunk: { choices: [], usage: { prompt_tokens: 'x' } } });
    expect(m.metered().usage).toMatchObject({ input: 4, output: 1, estimated: false });
  });
});

describe('usage past what the request could produce (issue 34)', () => {
  const GPT5 = { ...PRICE, maxInputTokens: 272_000, maxOutputTokens: 128_000 };
  const two = { inputEstimate: 10, maxOutputTokens: 50, choices: 2 };

  it('is bounded: prompt tokens by a multiple of the estimate (a floor for tiny prompts) and the context window, output by max_tokens × n', () => {
    expect(usageBound(two, GPT5)).toEqual({ input: 1024, output: 100 });
    expect(usageBound({ inputEstimate: 50_000, choices: 1 }, GPT5)).toEqual({ input: 272_000, output: 128_000 });
    expect(usageBound({ inputEstimate: 300_000, choices: 1 }, GPT5).input).toBe(300_000);
    expect(usageBound({ inputEstimate: 10, choices: 3 }, PRICE).output).toBe(3 * 131_072);
  });

  it('a hostile answer is billed its bound, marked estimated, with why', () => {
    const m = meter({ input: 100_000_000, output: 0, cachedInput: 0, reasoning: 0, estimated: false }, two, 0, GPT5);
    expect(m.usage).toMatchObject({ input: 1024, output: 0, estimated: true });
    expect(m.costPico).toBe(1024n * 1_000n);
    expect(m.problem).toBe('upstream reported 100000000 prompt tokens, over the 1024 this request could send');
    const out = meter({ input: 5, output: 999, cachedInput: 0, reasoning: 900, estimated: false }, two, 0, GPT5);
    expect(out.usage).toMatchObject({ input: 5, output: 100, reasoning: 100, estimated: true });
    expect(
      meter({ input: 5, output: 100, cachedInput: 0, reasoning: 0, estimated: false }, two, 0, GPT5).problem,
    ).toBeUndefined();
  });

  it("the caller is told what it is billed: a non-streamed answer and the stream's usage chunk", () => {
    const answer = {
      choices: [{ message: { content: 'hi' } }],
      usage: { prompt_tokens: 100_000_000, completion_tokens: 0 },
    };
    const m = meterAnswer(answer, two, GPT5);
    expect(answerAsBilled(answer, m).usage).toMatchObject({
      prompt_tokens: 1024,
      completion_tokens: 0,
      total_tokens: 1024,
    });
    const stream = new StreamMeter(true, two, GPT5);
    const chunk = {
      chunk: { choices: [], usage: { prompt_tokens: 100_000_000, completion_tokens: 0 } },
      raw: 'the upstream text',
    };
    expect(stream.observe(chunk)).toEqual({
      chunk: {
        choices: [],
        usage: openAiUsage({ input: 1024, output: 0, cachedInput: 0, cacheWrite: 0, reasoning: 0, estimated: true }),
      },
    });
    expect(stream.metered().problem).toMatch(/over the 1024/);
  });
});
