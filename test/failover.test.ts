import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/config/tenant-keys.js';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { startGateway, type RunningGateway } from './helpers/gateway-fixture.js';
import { SeededRandom } from '../src/harness/seeded-random.js';
import { tempDir } from './helpers/hermetic.js';
import { runCli } from './helpers/run-cli.js';

// Load balancing among equal routes, model fallbacks and retries, through the real gateway and real upstreams.
const KEY = 'sk-test-failover-0123456789abcdef';
const CLINIC = 'sk-test-failover-clinic-0123456789';

let ups: Record<'a' | 'b' | 'c' | 'claude' | 'gpu', MockUpstream>;
beforeAll(async () => {
  const [a, b, c, claude, gpu] = await Promise.all(
    ['a', 'b', 'c', 'claude', 'gpu'].map((n) =>
      startMockUpstream(n === 'claude' ? 'direct' : n === 'gpu' ? 'onprem' : 'direct'),
    ),
  );
  ups = { a: a!, b: b!, c: c!, claude: claude!, gpu: gpu! };
});
afterAll(async () => Promise.all(Object.values(ups).map((u) => u.close())));
afterEach(() => Object.values(ups).forEach((u) => u.behave({})));

/**
 * Three direct routes serving gpt-5 (weights 1 : 2 : 1), one serving only the fallback, and on-prem (dearest per
 * token).
 */
function config(top: string, routeExtra: Partial<Record<'a' | 'b' | 'c', string>> = {}): string {
  const path = join(tempDir('switchyard-failover'), 'switchyard.yaml');
  const route = (id: 'a' | 'b' | 'c', weight: number) =>
    `  - { id: ${id}, kind: direct, base_url: "${ups[id].url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5, gpt-5-mini], weight: ${weight}${routeExtra[id] ? `, ${routeExtra[id]}` : ''} }`;
  writeFileSync(
    path,
    `
log: { dir: log, roll_seconds: 3600 }
${top}
routes:
${route('a', 1)}
${route('b', 2)}
${route('c', 1)}
  - { id: claude-direct, kind: direct, base_url: "${ups.claude.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [claude-sonnet-4-6] }
  - { id: gpu, kind: onprem, base_url: "${ups.gpu.url}", clearance: restricted, models: { gpt-5: llama-3.3-70b }, pricing: { models: { gpt-5: { input_per_mtok: 50, output_per_mtok: 50 } } }, timeouts: { first_byte_ms: 500 } }
tenants:
  - { id: t, api_keys: ["sha256:${hashApiKey(KEY)}"] }
  - { id: clinic, api_keys: ["sha256:${hashApiKey(CLINIC)}"], default_tags: [phi] }
`,
  );
  return path;
}

async function ask(gw: RunningGateway, body: object, key = KEY, dispatcher?: Agent) {
  const res = await request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...body }),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    route: res.headers['x-switchyard-route'],
    model: res.headers['x-switchyard-model'],
    body: text,
  };
}

describe('load balancing among routes ranked as equals', () => {
  it('weights 1 : 2 : 1 take 25 / 50 / 25 % of 2,000 requests, each within 3 points', async () => {
    // Seeded: 2,000 draws of one stream, whichever request takes which, so the shares are the same every run.
    const seeded = new SeededRandom(7);
    const gw = await startGateway(config('routing: { strategy: weighted }'), undefined, undefined, () => seeded.next());
    try {
      const agent = new Agent({ connections: 16 });
      const counts = new Map<string, number>();
      for (let batch = 0; batch < 125; batch++) {
        const answers = await Promise.all(Array.from({ length: 16 }, () => ask(gw, { model: 'gpt-5' }, KEY, agent)));
        for (const a of answers) counts.set(a.route as string, (counts.get(a.route as string) ?? 0) + 1);
      }
      await agent.close();
      const share = (r: string) => ((counts.get(r) ?? 0) / 2000) * 100;
      expect(Math.abs(share('a') - 25)).toBeLessThanOrEqual(3);
      expect(Math.abs(share('b') - 50)).toBeLessThanOrEqual(3);
      expect(Math.abs(share('c') - 25)).toBeLessThanOrEqual(3);
    } finally {
      await gw.close();
    }
  });

  it('least_busy sends to the route with fewer requests in flight', async () => {
    const gw = await startGateway(config('routing: { strategy: least_busy }'));
    try {
      ups.a.behave({ delayMs: 400 });
      // The first goes to a (the config's first of equals) and stays there 400 ms; meanwhile a is the busy one.
      const first = ask(gw, { model: 'gpt-5' });
      for (let i = 0; i < 200 && ups.a.stats.requests === 0; i++) await new Promise((r) => setTimeout(r, 5));
      const second = await ask(gw, { model: 'gpt-5' });
      expect((await first).route).toBe('a');
      expect(second.route).toBe('b');
    } finally {
      await gw.close();
    }
  });

  it('cost (the default) keeps the ranking: equal routes go to the first', async () => {
    const gw = await startGateway(config(''));
    try {
      const routes = new Set<unknown>();
      for (let i = 0; i < 20; i++) routes.add((await ask(gw, { model: 'gpt-5' })).route);
      expect([...routes]).toEqual(['a']);
    } finally {
      await gw.close();
    }
  });
});

describe('model fallbacks', () => {
  it("every gpt-5 route down: served by the fallback model's route, and the headers and the log say so", async () => {
    const gw = await startGateway(config('fallbacks: { gpt-5: [claude-sonnet-4-6, gpt-5-mini] }'));
    try {
      for (const u of [ups.a, ups.b, ups.c, ups.gpu]) u.behave({ status: 503 });
      const answer = await ask(gw, { model: 'gpt-5' });
      expect(answer).toMatchObject({ status: 200, route: 'claude-direct', model: 'claude-sonnet-4-6' });
      const explained = (await (
        await request(`${gw.url}/v1/route/explain`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
          body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
        })
      ).body.json()) as { notes: string[]; routes: { route: string; model: string }[] };
      expect(explained.notes).toContain('fallback:claude-sonnet-4-6');
      expect(explained.routes.map((c) => `${c.route}/${c.model}`)).toEqual([
        'a/gpt-5',
        'b/gpt-5',
        'c/gpt-5',
        'gpu/gpt-5',
        'claude-direct/claude-sonnet-4-6',
        'a/gpt-5-mini',
        'b/gpt-5-mini',
        'c/gpt-5-mini',
      ]);
      const rows = await (gw.deps.sink as unknown as { liveRows(): Promise<Record<string, unknown>[]> }).liveRows();
      expect(rows.at(-1)).toMatchObject({
        requested_model: 'gpt-5',
        model: 'claude-sonnet-4-6',
        route: 'claude-direct',
      });
    } finally {
      await gw.close();
    }
  });

  it("the body's models list is the caller's own fallback chain (not sent upstream)", async () => {
    const gw = await startGateway(config(''));
    try {
      for (const u of [ups.a, ups.b, ups.c, ups.gpu]) u.behave({ status: 500 });
      const answer = await ask(gw, { model: 'gpt-5', models: ['gpt-5', 'claude-sonnet-4-6'] });
      expect(answer).toMatchObject({ status: 200, route: 'claude-direct' });
      expect(ups.claude.received.at(-1)?.body.models).toBeUndefined();
    } finally {
      await gw.close();
    }
  });

  it('a phi request with on-prem down fails closed, though the fallback model has an off-prem route', async () => {
    const gw = await startGateway(config('fallbacks: { gpt-5: [claude-sonnet-4-6] }'));
    try {
      ups.gpu.behave({ status: 503 });
      const before = ups.claude.stats.requests + ups.a.stats.requests + ups.b.stats.requests + ups.c.stats.requests;
      const answer = await ask(gw, { model: 'gpt-5' }, CLINIC);
      expect(answer.status).toBe(502);
      expect(ups.claude.stats.requests + ups.a.stats.requests + ups.b.stats.requests + ups.c.stats.requests).toBe(
        before,
      );
    } finally {
      await gw.close();
    }
  });

  it('same_family_only keeps a tenant from falling back to another family', async () => {
    const path = config('fallbacks: { gpt-5: [claude-sonnet-4-6, gpt-5-mini] }');
    writeFileSync(
      path,
      (await import('node:fs'))
        .readFileSync(path, 'utf8')
        .replace('- { id: t, api_keys', '- { id: t, fallbacks: same_family_only, api_keys'),
    );
    const gw = await startGateway(path);
    try {
      for (const u of [ups.a, ups.b, ups.gpu]) u.behave({ status: 503 });
      ups.c.behave({ status: 503, failTimes: 1 });
      const claudeBefore = ups.claude.stats.requests;
      const answer = await ask(gw, { model: 'gpt-5' });
      // claude is skipped; gpt-5-mini on c (after its one failure, for gpt-5) serves.
      expect(answer).toMatchObject({ status: 200, route: 'c', model: 'gpt-5-mini' });
      expect(ups.claude.stats.requests).toBe(claudeBefore);
    } finally {
      await gw.close();
    }
  });
});

describe('retries on the same route', () => {
  it('a 429 with retry-after: 1 is retried on the same route after about a second, then succeeds', async () => {
    const gw = await startGateway(config('', { a: 'retries: { max: 2 }' }));
    try {
      ups.a.behave({ status: 429, failTimes: 1, retryAfter: '1' });
      const t0 = Date.now();
      const answer = await ask(gw, { model: 'gpt-5' });
      const took = Date.now() - t0;
      expect(answer).toMatchObject({ status: 200, route: 'a' });
      expect(took).toBeGreaterThanOrEqual(1000);
      const rows = await (gw.deps.sink as unknown as { liveRows(): Promise<Record<string, unknown>[]> }).liveRows();
      expect(
        JSON.parse(rows.at(-1)!.attempts as string).map(
          (x: { route: string; status: unknown }) => `${x.route} ${x.status}`,
        ),
      ).toEqual(['a 429', 'a 200']);
    } finally {
      await gw.close();
    }
  });

  // Issue 34: with the `wait < leftMs` check gone from retry.ts, the caller was held by a retry-after of
  // 999999 s until the route's 10-minute deadline; it moves on at once instead (this test times out otherwise).
  it(
    'a retry-after longer than the route has left is not waited for: the next route answers at once',
    { timeout: 10_000 },
    async () => {
      const gw = await startGateway(config('', { a: 'retries: { max: 2 }' }));
      try {
        ups.a.behave({ status: 429, retryAfter: '999999' });
        const answer = await ask(gw, { model: 'gpt-5' });
        expect(answer).toMatchObject({ status: 200, route: 'b' });
        const rows = await (gw.deps.sink as unknown as { liveRows(): Promise<Record<string, unknown>[]> }).liveRows();
        expect(
          JSON.parse(rows.at(-1)!.attempts as string).map(
            (x: { route: string; status: unknown }) => `${x.route} ${x.status}`,
          ),
        ).toEqual(['a 429', 'b 200']);
      } finally {
        await gw.close();
      }
    },
  );

  it('a 5xx retried max times moves on to the next route; a stream that started is never retried', async () => {
    const gw = await startGateway(config('', { a: 'retries: { max: 2, backoff_ms: 10 }' }));
    try {
      ups.a.behave({ status: 500 });
      const [aBefore, bBefore] = [ups.a.stats.requests, ups.b.stats.requests];
      const answer = await ask(gw, { model: 'gpt-5' });
      expect(answer).toMatchObject({ status: 200, route: 'b' });
      expect(ups.a.stats.requests - aBefore).toBe(3);
      expect(ups.b.stats.requests - bBefore).toBe(1);
      // A stream cut after its first chunks reached the caller: nothing is tried again, here or elsewhere.
      ups.a.behave({ resetAfterChunks: 2, chunkDelayMs: 30 });
      const streamed = await ask(gw, { model: 'gpt-5', stream: true });
      expect(streamed.status).toBe(200);
      expect(ups.a.stats.requests - aBefore).toBe(4);
      expect(ups.b.stats.requests - bBefore).toBe(1);
    } finally {
      await gw.close();
    }
  });
});

describe("the README's worked example (examples/failover.yaml)", () => {
  it('explains two keys as equals, the aggregator as backup, then the Claude fallback', async () => {
    const { code, stdout } = await runCli([
      'explain',
      'examples/chat.json',
      '-c',
      'examples/failover.yaml',
      '--tenant',
      'acme',
      '--json',
    ]);
    expect(code).toBe(0);
    const d = JSON.parse(stdout) as { notes: string[]; routes: { route: string; model: string }[] };
    expect(d.notes).toEqual(['fallback:claude-sonnet-4-6']);
    expect(d.routes.slice(2).map((r) => `${r.route}/${r.model}`)).toEqual([
      'openrouter/gpt-5',
      'anthropic-direct/claude-sonnet-4-6',
      'openrouter/claude-sonnet-4-6',
    ]);
    expect(new Set(d.routes.slice(0, 2).map((r) => r.route))).toEqual(new Set(['openai-key-a', 'openai-key-b']));
  });
});

describe('whatif with fallbacks', () => {
  it('counts the logged requests another config would serve with a fallback model', async () => {
    const path = config('');
    const gw = await startGateway(path);
    for (let i = 0; i < 3; i++) {
      const res = await request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${KEY}`,
          'x-switchyard-tags': 'confidential',
        },
        body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await res.body.dump();
    }
    await gw.close();
    // The other config clears the gpt-5 keys for internal data only, serves no gpt-5 on-prem, and falls back to Claude.
    const other = join(tempDir('switchyard-failover'), 'other.yaml');
    const text = (await import('node:fs')).readFileSync(path, 'utf8');
    writeFileSync(
      other,
      `fallbacks: { gpt-5: [claude-sonnet-4-6] }\n${text.replaceAll('clearance: confidential, models: [gpt-5, gpt-5-mini]', 'clearance: internal, models: [gpt-5, gpt-5-mini]').replaceAll('gpt-5: llama-3.3-70b', 'llama: llama-3.3-70b').replace('models: { gpt-5: { input', 'models: { llama: { input')}`,
    );
    const { code, stdout } = await runCli(['whatif', '--log', join(path, '..', 'log'), '-c', other, '--json'], {
      env: { DIRECT_KEY: 'x' },
    });
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { fallbacks: Record<string, number> }).fallbacks).toEqual({
      'gpt-5 → claude-sonnet-4-6': 3,
    });
  });
});
