import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/hermetic.js';
import { ROOT } from './helpers/run-cli.js';
import {
  ADMIN_KEY,
  closeMocks,
  KEYS,
  startGateway,
  startMocks,
  writeGatewayConfig,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';

// The dashboard in a real browser (Debian's Chromium): sign in, see the traffic the OpenAI SDK sent, open a
// phi request's decision, compare the overview with /admin/spend and /metrics, sign out.
const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`;
/** With SWITCHYARD_SCREENSHOTS=1 the screenshots replace the README's, in docs/images. */
const SHOTS = process.env.SWITCHYARD_SCREENSHOTS === '1' ? join(ROOT, 'docs/images') : tempDir('switchyard-shots');
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function getJson(gw: RunningGateway, path: string, headers: Record<string, string> = admin) {
  const res = await request(`${gw.url}${path}`, { headers });
  return { status: res.statusCode, body: (await res.body.json()) as Json };
}

describe.skipIf(skip)(`the dashboard in Chromium${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let mocks: Mocks;
  let gw: RunningGateway;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    mocks = await startMocks();
    gw = await startGateway(writeGatewayConfig(mocks, 'cache: { store: memory }'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.setDefaultTimeout(8000);
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    if (mocks) await closeMocks(mocks);
  });

  it('signs in, shows the SDK traffic, explains a phi request, matches /admin/spend and /metrics, signs out', async () => {
    const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const ask = { model: 'gpt-5-mini', messages: [{ role: 'user' as const, content: 'hello there' }], temperature: 0 };
    await client(KEYS.acme).chat.completions.create(ask);
    await client(KEYS.acme).chat.completions.create(ask); // the response cache's answer
    await client(KEYS.clinic).chat.completions.create(ask); // phi: never cached

    await page.goto(`${gw.url}/ui`);
    await page.getByLabel('Admin or viewer key').fill('not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not an admin or viewer key');
    await page.getByLabel('Admin or viewer key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('requests-total').waitFor();
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'sy_session', httpOnly: true, sameSite: 'Strict' });

    // The overview's figures against /admin/spend and /metrics at the same moment (no traffic in between).
    const overview = (await getJson(gw, '/ui/api/overview', { cookie: `sy_session=${cookie!.value}` })).body;
    const spend = (await getJson(gw, '/admin/spend')).body;
    const metrics = await (await request(`${gw.url}/metrics`, { headers: admin })).body.text();
    const total = [...metrics.matchAll(/^switchyard_requests_total\{[^}]*\} (\d+)/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    expect(overview.requests_total).toBe(total);
    for (const s of spend.tenants)
      expect(overview.spend.find((o: { tenant: string }) => o.tenant === s.tenant).today_usd).toBeCloseTo(
        Number(s.daily.settled_usd),
        6,
      );
    await expect.poll(() => page.getByTestId('requests-total').textContent()).toBe(String(total));
    // The cache's hit rate and savings: the same figures as /admin/spend's.
    expect(overview.cache).toEqual(spend.cache);
    expect(spend.cache).toContainEqual(expect.objectContaining({ tenant: 'acme', hits: 1, misses: 1, hit_rate: 0.5 }));
    expect(spend.cache).toContainEqual(expect.objectContaining({ tenant: 'clinic', hits: 0, bypasses: 1 }));
    const acmeCache = page.getByTestId('cache').locator('tr[data-tenant="acme"]');
    await expect.poll(() => acmeCache.getByTestId('hit-rate').textContent()).toBe('50 %');
    await page.screenshot({ path: join(SHOTS, 'overview.png') });

    // Decisions: both rows, on the route each had to take; the phi one explains why the others were left out.
    await page.getByRole('link', { name: 'Decisions' }).click();
    const onprem = page.locator('tr[data-route="onprem"]').first();
    await onprem.waitFor();
    expect(await page.locator('tr[data-route="direct"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'decisions.png') });
    await onprem.click();
    const excluded = await page.getByTestId('excluded').textContent();
    expect(excluded).toMatch(/agg — clearance/);
    expect(excluded).toMatch(/direct — clearance/);
    await page.screenshot({ path: join(SHOTS, 'decision.png') });
    await page.getByRole('button', { name: 'Close' }).click();

    for (const name of ['Routes', 'Spend', 'Keys']) {
      await page.getByRole('link', { name }).click();
      await page.getByRole('heading', { name, level: 1 }).waitFor();
      await page.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
      await page.screenshot({ path: join(SHOTS, `${name.toLowerCase()}.png`) });
    }
    expect(statSync(join(SHOTS, 'overview.png')).size).toBeGreaterThan(10_000);

    // Sign out: the cookie no longer works; a tampered one never did.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin or viewer key').waitFor();
    expect((await getJson(gw, '/ui/api/me', { cookie: `sy_session=${cookie!.value}` })).status).toBe(401);
    const [payload, mac] = cookie!.value.split('.') as [string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin', exp: 9e15 }),
    ).toString('base64url');
    expect((await getJson(gw, '/ui/api/me', { cookie: `sy_session=${forged}.${mac}` })).status).toBe(401);
  });

  it('writes from a session need its CSRF token; the page never shows a tenant or provider key', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${gw.url}/ui`);
    await page.getByLabel('Admin or viewer key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('requests-total').waitFor();
    const [cookie] = await page.context().cookies();
    const headers = { cookie: `sy_session=${cookie!.value}`, 'content-type': 'application/json' };
    const forged = await request(`${gw.url}/admin/reload`, { method: 'POST', headers, body: '{}' });
    expect(forged.statusCode).toBe(401);
    await forged.body.dump();
    const html = await page.content();
    for (const secret of [KEYS.acme, KEYS.clinic, KEYS.aggregator, KEYS.direct, ADMIN_KEY])
      expect(html).not.toContain(secret);
  });
});

describe('the dashboard without an admin key', () => {
  it('explains how to turn it on', async () => {
    const mocks = await startMocks();
    // The fixture sets an admin key: this gateway's config has it taken out.
    const config = writeGatewayConfig(mocks);
    writeFileSync(config, readFileSync(config, 'utf8').replace(/, admin_key: [^ }]+/, ''));
    const gw = await startGateway(config);
    try {
      const res = await request(`${gw.url}/ui`);
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toContain('server:\n  admin_key:');
    } finally {
      await gw.close();
      await closeMocks(mocks);
    }
  });
});

describe("the dashboard's API with a session", () => {
  it('a write needs the CSRF token, a viewer never writes, and the crossover prices the logged traffic', async () => {
    const mocks = await startMocks();
    const store = `store: { path: ${join(tempDir('switchyard-ui-store'), 'data')} }\n`;
    const config = writeGatewayConfig(mocks, store);
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(
        /server: \{ body_limit_bytes: 65536, admin_key: (\S+) \}/,
        'server:\n  body_limit_bytes: 65536\n  admin_key: $1\n  admin_keys: [{ name: watcher, key: viewer-key-0123456789, role: viewer }]',
      ),
    );
    let gw = await startGateway(config);
    const signIn = async (key: string) => {
      const res = await request(`${gw.url}/ui/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
      });
      const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
      return { cookie, csrf: ((await res.body.json()) as { csrf: string }).csrf };
    };
    const createKey = async (s: { cookie: string; csrf: string }, csrf?: string) => {
      const res = await request(`${gw.url}/admin/keys`, {
        method: 'POST',
        headers: { cookie: s.cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
        body: JSON.stringify({ tenant: 'acme', name: 'from-the-page' }),
      });
      return { status: res.statusCode, body: (await res.body.json()) as Json };
    };
    try {
      const admin = await signIn(ADMIN_KEY);
      expect((await createKey(admin)).status).toBe(401);
      expect((await createKey(admin, 'x'.repeat(admin.csrf.length))).status).toBe(401);
      const made = await createKey(admin, admin.csrf);
      expect(made.status).toBe(201);
      expect((await getJson(gw, '/admin/audit?limit=1')).body.data[0].actor).toBe('admin');
      const viewer = await signIn('viewer-key-0123456789');
      expect((await createKey(viewer, viewer.csrf)).body.error.code).toBe('admin_read_only');
      expect((await getJson(gw, '/admin/keys', { cookie: viewer.cookie })).status).toBe(200);

      // Traffic, rolled into a segment when the gateway stops; then priced under a scenario's options.
      for (let i = 0; i < 20; i++) {
        const res = await request(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEYS.acme}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'a question of some length' }] }),
        });
        await res.body.dump();
      }
      await gw.close();
      gw = await startGateway(config);
      const scenarios = (await getJson(gw, '/ui/api/scenarios')).body.scenarios as string[];
      expect(scenarios).toContain('blog-managed-vs-selfhosted.scenario.yaml');
      const view = (await getJson(gw, '/ui/api/crossover?scenario=blog-managed-vs-selfhosted.scenario.yaml&days=7'))
        .body;
      expect(view.requests).toBe(20);
      expect(view.options.map((o: { id: string }) => o.id)).toEqual(['managed', 'self-hosted']);
      expect(view.points.length).toBeGreaterThanOrEqual(12);
      // Fixed infra and ops: the managed option is cheaper at small volumes, self-hosting above the crossover.
      expect(view.crossovers[0]).toMatchObject({ cheaperBelow: 'managed', cheaperAbove: 'self-hosted' });
      expect(view.cheapestNow).toBe('managed');
      // Asked again within the minute (the page will, below): the same view, not another replay.
      const again = (await getJson(gw, '/ui/api/crossover?scenario=blog-managed-vs-selfhosted.scenario.yaml&days=7'))
        .body;
      expect(again.pricedAtMs).toBe(view.pricedAtMs);
      expect((await getJson(gw, '/ui/api/crossover?scenario=../../etc/passwd')).status).toBe(404);
      if (!skip) {
        // The crossover page itself, in the browser: its answer, and the README's screenshot.
        const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
        try {
          const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
          await page.goto(`${gw.url}/ui#/crossover`);
          await page.getByLabel('Admin or viewer key').fill(ADMIN_KEY);
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByRole('button', { name: 'Price my traffic' }).click();
          const answer = await page.getByTestId('answer').textContent({ timeout: 60_000 });
          expect(answer).toMatch(/self-hosted becomes cheaper than managed above/);
          await page.screenshot({ path: join(SHOTS, 'crossover.png') });
        } finally {
          await browser.close();
        }
      }
    } finally {
      await gw.close();
      await closeMocks(mocks);
    }
    // Two gateway starts and a scenario replayed in the query thread: slower than most when the suite is busy.
  }, 90_000);
});
