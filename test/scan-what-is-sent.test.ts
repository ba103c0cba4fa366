import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { startGateway, type RunningGateway } from './helpers/gateway-fixture.js';
import { tempDir } from './helpers/hermetic.js';

// Issue 33: for a tenant with `auto_tag`, whatever leaves for any route has been read by the detector. Each
// case sends PHI the way an attacker did and proves, with the mocks' received requests, that no off-prem
// route got a byte of it. Routes: a Responses route (sent as is to Responses callers), a chat route and an
// Anthropic route (translated), and an on-prem route that serves every model, priced so that clean traffic
// goes elsewhere.
const AUTO = 'sk-test-scan-auto-0123456789abcdef';
const LENIENT = 'sk-test-scan-lenient-0123456789ab';
const PHI = 'Patient John Smith, MRN: 00482913';
type Name = 'resp' | 'chat' | 'anth' | 'gpu';
let ups: Record<Name, MockUpstream>;
let gw: RunningGateway;

beforeAll(async () => {
  const [resp, chat, anth, gpu] = await Promise.all([
    startMockUpstream('resp', {}, 0, 'openai-responses'),
    startMockUpstream('chat'),
    startMockUpstream('anth', {}, 0, 'anthropic'),
    startMockUpstream('gpu'),
  ]);
  ups = { resp, chat, anth, gpu } as Record<Name, MockUpstream>;
  const config = join(tempDir('switchyard-scan'), 'switchyard.yaml');
  writeFileSync(
    config,
    `
server: { body_limit_bytes: 2097152 }
log: { dir: log, roll_seconds: 3600 }
sensitivity: { scan: { max_chars: 400000, max_depth: 40 } }
routes:
  - { id: resp, kind: direct, format: openai-responses, base_url: "${resp!.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5] }
  - { id: chat, kind: aggregator, base_url: "${chat!.url}", api_key: "\${DIRECT_KEY}", clearance: internal, models: [gpt-5-mini, text-embedding-3-small] }
  - { id: anth, kind: direct, format: anthropic, base_url: "${anth!.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [claude-sonnet-4-6] }
  - id: gpu
    kind: onprem
    base_url: "${gpu!.url}"
    clearance: restricted
    models: { gpt-5: llama, gpt-5-mini: llama, claude-sonnet-4-6: llama, text-embedding-3-small: e5 }
    pricing: { models: { "*": { input_per_mtok: 500, output_per_mtok: 500 } } }
tenants:
  - { id: auto, api_keys: ["sha256:${hashApiKey(AUTO)}"], auto_tag: true }
  - { id: lenient, api_keys: ["sha256:${hashApiKey(LENIENT)}"], auto_tag: true, auto_tag_unreadable: public }
`,
  );
  gw = await startGateway(config);
});
afterAll(async () => {
  await gw.close();
  await Promise.all(Object.values(ups).map((u) => u.close()));
});

const OFF_PREM: readonly Name[] = ['resp', 'chat', 'anth'];
const PATHS = {
  chat: '/v1/chat/completions',
  responses: '/v1/responses',
  messages: '/v1/messages',
  embeddings: '/v1/embeddings',
} as const;

/** Sends `body`, and reports where it went and what each off-prem mock received meanwhile. */
async function send(path: keyof typeof PATHS, body: unknown, key = AUTO) {
  const before = Object.fromEntries(OFF_PREM.map((n) => [n, ups[n].received.length]));
  const res = await request(`${gw.url}${PATHS[path]}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-api-key': key },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  await res.body.dump();
  const offPrem = OFF_PREM.flatMap((n) =>
    ups[n].received.slice(before[n]).map((r) => ({ route: n, body: JSON.stringify(r.body) })),
  );
  return { status: res.statusCode, route: res.headers['x-switchyard-route'], offPrem };
}

/** Served on-prem, and not one request reached an off-prem mock. */
function expectKeptOnPrem(sent: Awaited<ReturnType<typeof send>>) {
  expect(sent.offPrem).toEqual([]);
  expect(sent.status).toBe(200);
  expect(sent.route).toBe('gpu');
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const chat = (extra: object, content: unknown = 'hello') => ({
  model: 'gpt-5-mini',
  messages: [{ role: 'user', content }],
  ...extra,
});
const responses = (input: unknown, extra: object = {}) => ({ model: 'gpt-5', input, ...extra });

describe('what leaves is what was scanned: the attacks that reached an off-prem route', () => {
  it('a clean request of each kind still goes off-prem (the cases below are decided by their PHI)', async () => {
    expect((await send('chat', chat({}))).route).toBe('chat');
    expect((await send('responses', responses('hello'))).route).toBe('resp');
    expect(
      (
        await send('messages', {
          model: 'claude-sonnet-4-6',
          max_tokens: 20,
          messages: [{ role: 'user', content: 'hello' }],
        })
      ).route,
    ).toBe('anth');
  });

  it.each([
    [
      'a reasoning item summary',
      [
        { type: 'reasoning', summary: [{ type: 'summary_text', text: PHI }] },
        { role: 'user', content: 'hi' },
      ],
      {},
    ],
    ['an unknown top-level field', 'hi', { safety_identifier: PHI }],
    [
      'an extra field of an input_text part',
      [{ role: 'user', content: [{ type: 'input_text', text: 'hi', note: PHI }] }],
      {},
    ],
  ])('Responses, sent as is to a Responses route: PHI in %s', async (_where, input, extra) => {
    expectKeptOnPrem(await send('responses', responses(input, extra)));
  });

  it.each([
    ['a key of metadata', chat({ metadata: { [PHI]: 'x' } })],
    [
      'a property name in a tool schema',
      chat({
        tools: [
          {
            type: 'function',
            function: { name: 'f', parameters: { type: 'object', properties: { [PHI]: { type: 'string' } } } },
          },
        ],
      }),
    ],
    ['a string that starts with data:', chat({}, `data: ${PHI}`)],
    [
      'a base64 text data URL over 64 KB',
      chat({}, [
        { type: 'file', file: { file_data: `data:text/plain;base64,${b64(`${'lorem ipsum '.repeat(8000)}${PHI}`)}` } },
      ]),
    ],
    [
      'a base64 JSON data URL',
      chat({}, [
        { type: 'file', file: { file_data: `data:application/json;base64,${b64(JSON.stringify({ note: PHI }))}` } },
      ]),
    ],
    [
      'a percent-encoded data URL',
      chat({}, [{ type: 'file', file: { file_data: `data:text/plain,${encodeURIComponent(PHI)}` } }]),
    ],
    ['metadata.type', chat({ metadata: { type: PHI } })],
    ['metadata.role', chat({ metadata: { role: PHI } })],
    ['metadata.model', chat({ metadata: { model: PHI } })],
    ['a nested encoding_format', chat({ metadata: { encoding_format: PHI } })],
    ['JSON-escaped digits written out', chat({}, 'Patient John Smith, MRN: \\u0030\\u0030482913')],
    ['HTML numeric entities', chat({}, 'Patient John Smith, MRN: &#48;&#48;482913')],
    ['a Cyrillic М in MRN', chat({}, 'Patient John Smith, \u041cRN: 00482913')],
    ['an SSN split by soft hyphens', chat({}, 'SSN 123-\u00AD45-\u00AD6789')],
    ['an SSN split by no-break spaces', chat({}, 'SSN 123\u00A045\u00A06789')],
    ['an SSN with non-breaking hyphens', chat({}, 'SSN 123\u201145\u20116789')],
  ])('chat: PHI in %s', async (_where, body) => {
    expectKeptOnPrem(await send('chat', body));
  });

  it('an Anthropic base64 text document is read decoded', async () => {
    const doc = { type: 'document', source: { type: 'base64', media_type: 'text/plain', data: b64(PHI) } };
    const sent = await send('messages', {
      model: 'claude-sonnet-4-6',
      max_tokens: 20,
      messages: [{ role: 'user', content: [doc, { type: 'text', text: 'summarise' }] }],
    });
    expect(sent.offPrem).toEqual([]);
    expect(sent.route).not.toBe('anth');
  });
});

describe('content the detector cannot read goes where its tenant says, the top level by default', () => {
  const image = chat({}, [
    { type: 'text', text: 'what is this?' },
    { type: 'image_url', image_url: { url: `data:image/png;base64,${'iVBORw0KGgo'.repeat(50)}` } },
  ]);
  const audio = chat({}, [{ type: 'input_audio', input_audio: { data: b64('RIFF....WAVE'), format: 'wav' } }]);
  const pdf = responses([
    {
      role: 'user',
      content: [
        { type: 'input_file', filename: 'a.pdf', file_data: `data:application/pdf;base64,${b64('%PDF-1.7 ...')}` },
      ],
    },
  ]);

  it.each([
    ['an image', 'chat', image],
    ['audio', 'chat', audio],
    [
      'a PDF in a chat file part',
      'chat',
      chat({}, [{ type: 'file', file: { file_data: `data:application/pdf;base64,${b64('%PDF-1.7 ...')}` } }]),
    ],
    [
      'base64 that is not base64',
      'chat',
      chat({}, [{ type: 'file', file: { file_data: 'data:text/plain;base64,@@not base64@@' } }]),
    ],
    ['embeddings given as token ids', 'embeddings', { model: 'text-embedding-3-small', input: [[1, 2, 3]] }],
  ] as const)('%s: kept on-prem', async (_what, path, body) => {
    expectKeptOnPrem(await send(path, body));
  });

  it('a PDF that would be sent as is to a Responses route is not: the on-prem route cannot take it, so nothing is sent', async () => {
    const sent = await send('responses', pdf);
    expect(sent.offPrem).toEqual([]);
    expect(sent.status).toBe(400);
  });

  it('a tenant whose auto_tag_unreadable is public sends an image off-prem; what it can read still decides', async () => {
    expect((await send('chat', image, LENIENT)).route).toBe('chat');
    expectKeptOnPrem(
      await send('chat', chat({}, [{ type: 'text', text: PHI }, ...(image.messages[0]!.content as object[])]), LENIENT),
    );
  });
});

describe('a scan that cannot finish relaxes nothing', () => {
  const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { n: nested(depth - 1) });
  it('a body nested past the scan depth goes to the top level', async () => {
    expectKeptOnPrem(await send('chat', chat({ metadata: nested(60) })));
    // Within the depth, the same clean body is served as usual.
    expect((await send('chat', chat({ metadata: nested(10) }))).route).toBe('chat');
  });

  it('a body with more to read than the scan reads goes to the top level', async () => {
    expectKeptOnPrem(await send('chat', chat({}, 'lorem ipsum '.repeat(40_000))));
    expect((await send('chat', chat({}, 'lorem ipsum '.repeat(1000)))).route).toBe('chat');
  });
});

// A sensitive string planted at a random path — a value or a key, at any depth, in a known or unknown field —
// of a random endpoint's body, sent as is or translated: it never reaches a route below the top level.
describe('property: a planted sensitive string never leaves the building', () => {
  const SECRETS = [
    PHI,
    'SSN 123-45-6789',
    'card 4111 1111 1111 1111',
    'write to jane.doe@example.com',
    'key AKIAIOSFODNN7EXAMPLE',
  ];
  const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
  const noise = fc.oneof(word, fc.integer(), fc.boolean(), fc.constant(null));
  /** A JSON value holding `secret` somewhere inside: as a value, or as a key. */
  const holding = (secret: string) =>
    fc
      .record({
        steps: fc.array(fc.oneof(word, fc.nat({ max: 3 })), { maxLength: 6 }),
        asKey: fc.boolean(),
        pad: fc.array(fc.tuple(word, noise), { maxLength: 3 }),
      })
      .map(({ steps, asKey, pad }) =>
        steps.reduceRight<unknown>(
          (inner, step) =>
            typeof step === 'number'
              ? [...Array.from({ length: step }, (_, i) => i), inner]
              : { ...Object.fromEntries(pad), [step]: inner },
          asKey ? { [secret]: 'x' } : secret,
        ),
      );
  type Attach = (v: unknown) => [keyof typeof PATHS, unknown];
  const MODELS = ['gpt-5', 'gpt-5-mini', 'claude-sonnet-4-6'];
  const attachments = (model: string): Attach[] => [
    (v) => ['chat', { model, messages: [{ role: 'user', content: 'hi' }], x_field: v }],
    (v) => ['chat', { model, messages: [{ role: 'user', content: 'hi' }], metadata: { k: v } }],
    (v) => ['chat', { model, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', extra: v }] }] }],
    (v) => ['chat', { model, messages: [{ role: 'user', content: 'hi', extra: v }] }],
    (v) => [
      'chat',
      {
        model,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { p: v } } } }],
      },
    ],
    (v) => ['responses', { model, input: 'hi', x_field: v }],
    (v) => ['responses', { model, input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi', extra: v }] }] }],
    (v) => [
      'responses',
      {
        model,
        input: [
          { type: 'reasoning', summary: [{ type: 'summary_text', text: 'ok', extra: v }] },
          { role: 'user', content: 'hi' },
        ],
      },
    ],
    (v) => ['messages', { model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], x_field: v }],
    (v) => [
      'messages',
      { model, max_tokens: 20, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', extra: v }] }] },
    ],
    (v) => [
      'messages',
      {
        model,
        max_tokens: 20,
        system: [{ type: 'text', text: 'be brief', extra: v }],
        messages: [{ role: 'user', content: 'hi' }],
      },
    ],
    (v) => ['embeddings', { model: 'text-embedding-3-small', input: ['hi'], x_field: v }],
  ];

  it('for random bodies, endpoints and routes', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SECRETS).chain(holding),
        fc.constantFrom(...MODELS),
        fc.nat({ max: 11 }),
        async (value, model, at) => {
          const [path, body] = (attachments(model)[at] as Attach)(value);
          const sent = await send(path, body);
          expect(sent.offPrem).toEqual([]);
          expect([200, 400, 403, 404, 422]).toContain(sent.status);
        },
      ),
      { numRuns: 150 },
    );
  });
});
