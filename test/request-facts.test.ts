import { detectInBody } from '../src/engine/detect-sensitive.js';
import { describe, expect, it } from 'vitest';
import { IMAGE_TOKENS_MAX, estimateChatInputTokens, estimateTextTokens } from '../src/engine/estimate-tokens.js';
import { buildFacts, NO_SPEND, parseTagList, type CanonicalRequest } from '../src/engine/request-facts.js';
import type { ChatCompletionRequest } from '../src/engine/request-schema.js';
import type { Tenant } from '../src/engine/routing-config.js';

const tenant: Tenant = {
  id: 'acme',
  defaultTags: ['internal'],
  autoTag: false,
  acceptHeaderTags: true,
  failOpen: false,
  sameFamilyOnly: false,
};
const autoTagged: Tenant = { ...tenant, autoTag: true };
const NOW = Date.UTC(2026, 10, 30, 12);
const SPEND = { dailyPico: 5n, monthlyPico: 7n };

const chat = (body: Record<string, unknown> = {}): CanonicalRequest => {
  const sent = {
    model: 'gpt-5',
    messages: [{ role: 'user', content: 'hello there' }],
    ...body,
  } as ChatCompletionRequest;
  return { endpoint: 'chat', body: sent, sent };
};
const facts = (
  request: CanonicalRequest,
  t: Tenant = tenant,
  hints: { tags: string[]; sloMs?: number } = { tags: [] },
) => buildFacts(request, t, hints, SPEND, NOW);
/** The facts of a tenant that auto-tags: the detector (asynchronous) runs first, as the gateway runs it. */
const scannedFacts = async (
  request: CanonicalRequest,
  t: Tenant,
  hints: { tags: string[]; sloMs?: number } = { tags: [] },
  external?: string[],
) =>
  buildFacts(request, t, hints, SPEND, NOW, {
    scanned: await detectInBody(request.sent),
    ...(external ? { external } : {}),
  });

describe('parseTagList', () => {
  it('lower-cases, trims, sorts, de-duplicates and drops empty parts', () => {
    expect(parseTagList(' PHI , internal,,phi ,  ')).toEqual(['internal', 'phi']);
  });
  it('splits on commas or whitespace, normalises Unicode and drops zero-width characters', () => {
    expect(parseTagList('phi pii\tsecret')).toEqual(['phi', 'pii', 'secret']);
    expect(parseTagList('ｐｈｉ')).toEqual(['phi']);
    expect(parseTagList('ph\u200bi\uFEFF, P\u00ADII')).toEqual(['phi', 'pii']);
    expect(parseTagList('phi;pii')).toEqual(['phi;pii']);
  });
  it('is empty for an absent or empty header', () => {
    expect(parseTagList(undefined)).toEqual([]);
    expect(parseTagList('')).toEqual([]);
  });
});

describe('buildFacts: chat', () => {
  it('carries who, what, when and the spend through unchanged', () => {
    const f = facts(chat({ stream: true }));
    expect(f).toMatchObject({
      tenant: 'acme',
      model: 'gpt-5',
      endpoint: 'chat',
      stream: true,
      nowMs: NOW,
      spend: SPEND,
      tags: [],
    });
    expect(f).not.toHaveProperty('maxOutputTokens');
    expect(f).not.toHaveProperty('choices');
    expect(f).not.toHaveProperty('sloMs');
  });

  it('is not a stream unless stream is exactly true', () => {
    expect(facts(chat({ stream: null })).stream).toBe(false);
    expect(facts(chat()).stream).toBe(false);
  });

  it('takes the output limit from max_completion_tokens before max_tokens', () => {
    expect(facts(chat({ max_tokens: 100 })).maxOutputTokens).toBe(100);
    expect(facts(chat({ max_tokens: 100, max_completion_tokens: 40 })).maxOutputTokens).toBe(40);
    expect(facts(chat({ max_tokens: null })).maxOutputTokens).toBeUndefined();
  });

  it('counts n answers as choices; one answer is the default', () => {
    expect(facts(chat({ n: 8 })).choices).toBe(8);
    expect(facts(chat({ n: 1 }))).not.toHaveProperty('choices');
    expect(facts(chat({ n: null }))).not.toHaveProperty('choices');
  });

  it('passes the SLO hint through', () => {
    expect(facts(chat(), tenant, { tags: [], sloMs: 900 }).sloMs).toBe(900);
  });

  it('keeps the caller tags, and runs the detector only when the tenant opted in', async () => {
    const text = chat({ messages: [{ role: 'user', content: 'mail me at jane@example.com' }] });
    expect(facts(text, tenant, { tags: ['finance'] })).not.toHaveProperty('detected');
    expect(await scannedFacts(text, autoTagged, { tags: ['finance'] })).toMatchObject({
      tags: ['finance'],
      detected: ['email'],
    });
    // The default tags are the planner's to add, not the facts'; nothing found is no `detected`.
    expect(await scannedFacts(chat(), autoTagged)).toMatchObject({ tags: [] });
    expect(await scannedFacts(chat(), autoTagged)).not.toHaveProperty('detected');
  });

  it("adds what an external analyzer found, whether or not the tenant's own detector runs", async () => {
    expect(buildFacts(chat(), tenant, { tags: [] }, SPEND, NOW, { external: ['US_SSN'] }).detected).toEqual(['US_SSN']);
    expect(
      (
        await scannedFacts(
          chat({ messages: [{ role: 'user', content: 'jane@example.com' }] }),
          autoTagged,
          { tags: [] },
          ['analyzer_failed'],
        )
      ).detected,
    ).toEqual(['analyzer_failed', 'email']);
  });

  it('runs the detector over text parts and tool call arguments too', async () => {
    const parts = chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'card 4111 1111 1111 1111' }] }] });
    expect((await scannedFacts(parts, autoTagged)).detected).toEqual(['card']);
    const calls = chat({
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"to":"jane@example.com"}' } }],
        },
      ],
    });
    expect((await scannedFacts(calls, autoTagged)).detected).toEqual(['email']);
  });
});

describe('the input a chat request can bill', () => {
  const base = facts(chat()).inputTokens;

  it('counts message text and per-message framing', () => {
    // 3 priming + 4 framing + ceil(11 / 4) for "hello there".
    expect(base).toBe(3 + 4 + 3);
    const two = facts(
      chat({
        messages: [
          { role: 'system', content: 'x'.repeat(400) },
          { role: 'user', content: 'hello there' },
        ],
      }),
    ).inputTokens;
    expect(two - base).toBe(4 + 100);
  });

  it('counts tool definitions, legacy functions, tool_choice and the response schema as their JSON text', () => {
    const tools = [
      {
        type: 'function',
        function: { name: 'lookup', description: 'd'.repeat(80_000), parameters: { type: 'object' } },
      },
    ];
    expect(facts(chat({ tools })).inputTokens - base).toBe(estimateTextTokens(JSON.stringify(tools)));
    const functions = [{ name: 'f', parameters: {} }];
    expect(facts(chat({ functions })).inputTokens - base).toBe(estimateTextTokens(JSON.stringify(functions)));
    const choice = { type: 'function', function: { name: 'lookup' } };
    expect(facts(chat({ tool_choice: choice })).inputTokens - base).toBe(estimateTextTokens(JSON.stringify(choice)));
    const format = {
      type: 'json_schema',
      json_schema: { name: 'r', schema: { type: 'object', properties: { a: { type: 'string' } } } },
    };
    expect(facts(chat({ response_format: format })).inputTokens - base).toBe(
      estimateTextTokens(JSON.stringify(format)),
    );
    expect(facts(chat({ tools: null })).inputTokens).toBe(base);
  });

  it('counts each image at the most it can bill, low detail at 85', () => {
    const image = (detail?: string) => ({
      type: 'image_url',
      image_url: { url: 'https://example.com/a.png', ...(detail ? { detail } : {}) },
    });
    const withImages = (...parts: object[]) =>
      chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }, ...parts] }] });
    const textOnly = facts(withImages()).inputTokens;
    expect(facts(withImages(image())).inputTokens - textOnly).toBe(IMAGE_TOKENS_MAX);
    expect(facts(withImages(image('high'), image('low'))).inputTokens - textOnly).toBe(IMAGE_TOKENS_MAX + 85);
  });

  it('is the same figure the estimator gives for the whole body', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function' }] };
    expect(facts(chat(body)).inputTokens).toBe(estimateChatInputTokens(body));
  });
});

describe('buildFacts: embeddings', () => {
  const embed = (input: unknown): CanonicalRequest => {
    const sent = { model: 'text-embedding-3-small', input } as never;
    return { endpoint: 'embeddings', body: sent, sent };
  };

  it('counts text inputs by characters and token-id inputs one each', () => {
    expect(facts(embed('x'.repeat(40))).inputTokens).toBe(10);
    expect(facts(embed(['x'.repeat(8), 'y'.repeat(4)])).inputTokens).toBe(3);
    expect(facts(embed([1, 2, 3])).inputTokens).toBe(3);
    expect(facts(embed([[1, 2], [3]])).inputTokens).toBe(3);
  });

  it('is never a stream, has no output limit, and keeps the SLO and spend', () => {
    const f = buildFacts(embed('hi'), tenant, { tags: ['phi'], sloMs: 50 }, SPEND, NOW);
    expect(f).toMatchObject({
      tenant: 'acme',
      model: 'text-embedding-3-small',
      endpoint: 'embeddings',
      stream: false,
      tags: ['phi'],
      sloMs: 50,
      spend: SPEND,
      nowMs: NOW,
    });
    expect(f).not.toHaveProperty('maxOutputTokens');
  });

  it('runs the detector over string inputs when the tenant opted in', async () => {
    expect((await scannedFacts(embed(['call +1 415 555 0100 now']), autoTagged)).detected).toEqual(['phone']);
    expect(facts(embed('jane@example.com'), tenant)).not.toHaveProperty('detected');
  });

  it('spend defaults to none', () => {
    expect(buildFacts(embed('a'), tenant, { tags: [] }, NO_SPEND, NOW).spend).toEqual({
      dailyPico: 0n,
      monthlyPico: 0n,
    });
  });
});
