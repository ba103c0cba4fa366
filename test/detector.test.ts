import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectInBody, detectSensitiveKinds, findSensitive, TAG_OF } from '../src/engine/detect-sensitive.js';
import { normaliseForDetection } from '../src/engine/detect/normalise.js';
import { passesIbanChecksum, passesLuhn } from '../src/engine/detect/checksums.js';
import { buildFacts, NO_SPEND } from '../src/engine/request-facts.js';
import { fromAnthropicRequest } from '../src/gateway/formats/anthropic/anthropic-request.js';

/** The tags the texts call for with the default kind → tag table, sorted: what the sets are labelled with. */
const detectSensitiveTags = async (texts: Iterable<string>) =>
  [...new Set((await detectSensitiveKinds(texts)).map((k) => TAG_OF[k]))].sort();

// The detector's precision and recall on a labelled set of positives and look-alike negatives
// (order numbers, ISBNs, tracking numbers, versions, UUIDs, non-Luhn digit runs).
const labelled = JSON.parse(readFileSync(new URL('./fixtures/detector-labelled.json', import.meta.url), 'utf8')) as {
  text: string;
  tags: string[];
}[];

describe('sensitive-content detector', () => {
  it('meets its precision and recall on the labelled set', async () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const misses: string[] = [];
    for (const { text, tags } of labelled) {
      const found = await detectSensitiveTags([text]);
      for (const t of found) {
        if (tags.includes(t)) tp++;
        else {
          fp++;
          misses.push(`false ${t}: ${text}`);
        }
      }
      for (const t of tags) {
        if (found.includes(t)) continue;
        fn++;
        misses.push(`missed ${t}: ${text}`);
      }
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `detector on ${labelled.length} labelled texts: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`,
    );
    for (const m of misses) console.log(`  ${m}`);
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });

  it('checks Luhn and IBAN checksums', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesIbanChecksum('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(passesIbanChecksum('GB83 WEST 1234 5698 7654 32')).toBe(false);
  });

  it('reads text in every message shape', async () => {
    expect(await detectSensitiveTags(['no', 'mail me: a.b@c.io'])).toEqual(['pii']);
  });

  it('reads normalised text: full-width and other-script digits, zero-width characters, spelled-out addresses', async () => {
    expect(await detectSensitiveTags(['SSN １２３-４５-６７８９'])).toEqual(['pii']);
    expect(await detectSensitiveTags(['SSN \u0661\u0662\u0663-\u0664\u0665-\u0666\u0667\u0668\u0669'])).toEqual([
      'pii',
    ]);
    expect(await detectSensitiveTags(['card 4111\u200b1111 1111 1111'])).toEqual(['pci']);
    expect(await detectSensitiveTags(['write to jane at example dot com'])).toEqual(['pii']);
    expect(await detectSensitiveTags(['jane (at) example [dot] co [dot] uk'])).toEqual(['pii']);
    expect(await detectSensitiveTags(['look at this dot product', 'meet at noon dot'])).toEqual([]);
  });

  it('finds a number split across parts or messages', async () => {
    expect(await detectSensitiveTags(['my SSN is 123-45-', '6789'])).toEqual(['pii']);
    expect(await detectSensitiveTags(['card 4111 1111', ' 1111 1111'])).toEqual(['pci']);
  });
});

// A harder set: clinical notes, MRNs, dates of birth, passports, bank and routing numbers, SIN, NHS numbers,
// local phones, addresses, credentials and DSNs, and negatives that look like them (general medical
// questions, placeholders in DSNs, a patient-facing app). Written alongside the rules: a regression floor.
const hard = JSON.parse(readFileSync(new URL('./fixtures/detector-hard.json', import.meta.url), 'utf8')) as {
  text: string;
  tags: string[];
  kind?: string;
}[];

describe('detector v2 on the harder labelled set', () => {
  it('finds each kind, tags no negative, and keeps precision at 0.95 or more', async () => {
    const byKind = new Map<string, { found: number; total: number }>();
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const { text, tags, kind } of hard) {
      const found = await detectSensitiveTags([text]);
      for (const t of found) {
        if (tags.includes(t)) tp++;
        else fp++;
      }
      for (const t of tags) if (!found.includes(t)) fn++;
      if (kind) {
        const row = byKind.get(kind) ?? { found: 0, total: 0 };
        row.total++;
        if ((await findSensitive(normaliseForDetection(text))).some((f) => f.kind === kind)) row.found++;
        byKind.set(kind, row);
      }
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `detector v2 on ${hard.length} texts: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn}); by kind: ${[...byKind].map(([k, r]) => `${k} ${r.found}/${r.total}`).join(', ')}`,
    );
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.9);
    for (const [kind, r] of byKind) expect(r.found, kind).toBe(r.total);
  });

  it('reports kinds with a confidence, and the tags come from the kinds', async () => {
    expect(await findSensitive('NHS number 943 476 5919')).toEqual([{ kind: 'nhs_number', confidence: 0.95 }]);
    expect(await findSensitive('NHS number 943 476 5918')).toEqual([]);
    expect(await findSensitive('routing 021000021')).toEqual([{ kind: 'routing_number', confidence: 0.95 }]);
    expect(await findSensitive('routing 021000022')).toEqual([]);
  });

  // Crafted input that would make a backtracking pattern explode: each must come back (the test's timeout
  // catches a pattern gone quadratic or worse; the time per KB is measured in the decision benchmark).
  it.each([
    ['one long word', 'a'.repeat(50_000)],
    ['digits and spaces', '1 '.repeat(25_000)],
    ['almost an address', `${'12 Main '.repeat(6_000)}St`],
    ['almost a password', `password: ${'x'.repeat(50_000)}`],
    ['honorifics without names', 'Mr. '.repeat(12_500)],
    ['almost an email', `${'a.'.repeat(25_000)}@`],
    ['almost a DSN', `postgres://${'u'.repeat(25_000)}:${'p'.repeat(25_000)}`],
    ['phone words with numbers', 'tel 1234567 '.repeat(4_200)],
  ])('50 KB of %s finishes', { timeout: 2000 }, async (_name, text) => {
    expect(Array.isArray(await detectSensitiveTags([text]))).toBe(true);
  });
});

describe('every field a request sends is scanned', () => {
  const tenant = {
    id: 't',
    defaultTags: [],
    autoTag: true,
    acceptHeaderTags: true,
    failOpen: false,
    sameFamilyOnly: false,
  };
  const ssn = '123-45-6789';
  const chat = async (body: Record<string, unknown>) => {
    const sent = { model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }], ...body } as never;
    const scanned = await detectInBody(sent);
    return (
      buildFacts({ endpoint: 'chat', body: sent, sent }, tenant, { tags: [] }, NO_SPEND, 0, { scanned }).detected?.map(
        (k) => TAG_OF[k as keyof typeof TAG_OF] ?? k,
      ) ?? []
    );
  };
  it.each([
    [
      'tools[].function.description',
      { tools: [{ type: 'function', function: { name: 'f', description: `look up ${ssn}` } }] },
    ],
    [
      'a tool schema',
      {
        tools: [
          {
            type: 'function',
            function: { name: 'f', parameters: { type: 'object', properties: { ssn: { enum: [ssn] } } } },
          },
        ],
      },
    ],
    ['message.name', { messages: [{ role: 'user', name: 'jane@acme-mail.io', content: 'hi' }] }],
    [
      'a legacy function_call',
      { messages: [{ role: 'assistant', content: null, function_call: { name: 'f', arguments: `{"ssn":"${ssn}"}` } }] },
    ],
    [
      'tool-call arguments given as an object',
      {
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: { ssn } } }],
          },
        ],
      },
    ],
    ['a tool result', { messages: [{ role: 'tool', tool_call_id: 'c', content: `found ${ssn}` }] }],
    ['prediction.content', { prediction: { type: 'content', content: `SSN ${ssn}` } }],
    ['user', { user: 'jane@acme-mail.io' }],
    ['metadata', { metadata: { patient: ssn } }],
    [
      'a system prompt',
      {
        messages: [
          { role: 'system', content: `caller ${ssn}` },
          { role: 'user', content: 'hi' },
        ],
      },
    ],
    [
      'an SSN split across two text parts',
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'SSN 123-45-' },
              { type: 'text', text: '6789' },
            ],
          },
        ],
      },
    ],
    [
      'an SSN split across two messages',
      {
        messages: [
          { role: 'user', content: 'SSN 123-45-' },
          { role: 'user', content: '6789' },
        ],
      },
    ],
    [
      'a base64 text part',
      {
        messages: [
          {
            role: 'user',
            content: [{ type: 'file', file: { file_data: `data:text/plain;base64,${btoa(`SSN ${ssn}`)}` } }],
          },
        ],
      },
    ],
  ])('%s', async (_where, body) => {
    expect(await chat(body)).toEqual(['pii']);
  });

  it('Anthropic tools[].description, through the translation every Anthropic request takes', async () => {
    const body = fromAnthropicRequest({
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'f', description: `find ${ssn}`, input_schema: { type: 'object' } }],
    });
    expect(await chat(body)).toEqual(['pii']);
  });

  it('embeddings inputs', async () => {
    const sent = { model: 'e', input: [`id ${ssn}`] };
    const scanned = await detectInBody(sent);
    expect(
      buildFacts({ endpoint: 'embeddings', body: sent, sent }, tenant, { tags: [] }, NO_SPEND, 0, { scanned }).detected,
    ).toEqual(['ssn']);
  });

  it('a clean request stays untagged; an image is content it cannot read, never skipped', async () => {
    expect(
      await chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'explain how HIV therapy works' }] }] }),
    ).toEqual([]);
    expect(
      await chat({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'explain how HIV therapy works' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(4000)}` } },
            ],
          },
        ],
      }),
    ).toEqual(['unreadable_content']);
  });
});
