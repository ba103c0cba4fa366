import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrations } from '../src/store/migrate.js';
import { PgClient } from '../src/store/pg-client.js';
import { tempDir } from './helpers/hermetic.js';
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
import { freshSchemas, postgresUp } from './helpers/postgres.js';

// Virtual keys through the admin API, stored in PGlite (embedded) and in the machine's Postgres: the same
// suite against both. A key narrows its tenant (models, tags), is shown once, stored as its sha256, and is
// refused as soon as it is revoked.
const schema = freshSchemas('sy_keys');
const NARROW_TENANT = `  - { id: narrow, api_keys: ["sha256:${'0'.repeat(64)}"], models: [gpt-5-mini] }\n`;

const STORES: { name: string; skip: string | false; store: () => Promise<string> }[] = [
  { name: 'PGlite', skip: false, store: async () => `{ path: ${join(tempDir('switchyard-store'), 'data')} }` },
  {
    name: 'Postgres',
    skip: postgresUp ? false : 'no Postgres answering on 127.0.0.1:5432',
    store: async () => `{ url: "${await schema()}" }`,
  },
];

const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const json = async (res: Awaited<ReturnType<typeof request>>) => ({
  status: res.statusCode,
  route: res.headers['x-switchyard-route'],
  body: (await res.body.json()) as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
});

const chat = (gw: RunningGateway, key: string, model = 'gpt-5-mini') =>
  request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  }).then(json);

const post = (gw: RunningGateway, path: string, body: unknown) =>
  request(`${gw.url}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) }).then(json);
const get = (gw: RunningGateway, path: string) => request(`${gw.url}${path}`, { headers: admin }).then(json);
const del = (gw: RunningGateway, path: string) =>
  request(`${gw.url}${path}`, { method: 'DELETE', headers: { authorization: admin.authorization } }).then(json);

describe('keys without a store', () => {
  let mocks: Mocks;
  let gw: RunningGateway;
  beforeAll(async () => {
    mocks = await startMocks();
    gw = await startGateway(writeGatewayConfig(mocks));
  });
  afterAll(async () => {
    await gw.close();
    await closeMocks(mocks);
  });

  it('the admin endpoints answer 501 store_not_configured, saying how to turn it on', async () => {
    const { status, body } = await post(gw, '/admin/keys', { tenant: 'acme' });
    expect(status).toBe(501);
    expect(body.error.code).toBe('store_not_configured');
    expect(body.error.message).toMatch(/store: \{ path:/);
  });
});

describe.each(STORES)('virtual keys in $name', ({ skip, store }) => {
  let mocks: Mocks;
  let gw: RunningGateway;
  beforeAll(async () => {
    if (skip) return;
    mocks = await startMocks();
    gw = await startGateway(writeGatewayConfig(mocks, `${NARROW_TENANT}store: ${await store()}\n`));
  });
  afterAll(async () => {
    if (skip) return;
    await gw.close();
    await closeMocks(mocks);
  });

  it.skipIf(skip)('creates a key shown once, narrows its tenant, and refuses it once revoked', async () => {
    const created = await post(gw, '/admin/keys', {
      tenant: 'acme',
      name: "ci's key; DROP TABLE api_keys;--",
      models: ['gpt-5-mini'],
      default_tags: ['phi'],
    });
    expect(created.status).toBe(201);
    const { key, id } = created.body as { key: string; id: string };
    expect(key).toMatch(/^sk-sy-[0-9A-Za-z]{43,}$/);
    expect(created.body).toMatchObject({
      tenant: 'acme',
      name: "ci's key; DROP TABLE api_keys;--",
      prefix: key.slice(0, 8),
    });

    // Its model only; its tag (phi) sends the request on-prem, as the tenant's own tags would.
    const ok = await chat(gw, key, 'gpt-5-mini');
    expect([ok.status, ok.route]).toEqual([200, 'onprem']);
    const untagged = await post(gw, '/admin/keys', { tenant: 'acme', models: ['gpt-5-mini'] });
    expect((await chat(gw, untagged.body.key as string, 'gpt-5-mini')).route).not.toBe('onprem');
    const other = await chat(gw, key, 'gpt-5');
    expect([other.status, other.body.error.code]).toEqual([403, 'model_not_allowed_for_key']);

    const listed = await get(gw, '/admin/keys?tenant=acme');
    expect(listed.body.data.map((k: { id: string }) => k.id)).toContain(id);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect((await get(gw, `/admin/keys/${id}`)).body).toMatchObject({ id, revoked_at: null, default_tags: ['phi'] });

    const revoked = await del(gw, `/admin/keys/${id}`);
    expect(revoked.body.revoked_at).not.toBeNull();
    const refused = await chat(gw, key);
    expect([refused.status, refused.body.error.code]).toEqual([401, 'invalid_api_key']);

    const audit = await get(gw, '/admin/audit');
    expect(audit.body.data.map((r: { action: string }) => r.action).slice(0, 2)).toEqual(['key.revoke', 'key.create']);
    expect(JSON.stringify(audit.body)).not.toContain(key);
    expect(gw.logs.join('\n')).not.toContain(key);
  });

  it.skipIf(skip)('a key without models serves what its tenant may; its tags only add', async () => {
    const { body } = await post(gw, '/admin/keys', { tenant: 'acme' });
    const answered = await chat(gw, body.key as string, 'gpt-5');
    expect(answered.status).toBe(200);
  });

  it.skipIf(skip)('rotation: with a grace period both keys work; without, only the new one', async () => {
    const { body: first } = await post(gw, '/admin/keys', { tenant: 'acme', models: ['gpt-5-mini', 'gpt-5'] });
    const graced = await post(gw, `/admin/keys/${first.id}/rotate`, { grace_seconds: 600 });
    expect(graced.status).toBe(201);
    expect(graced.body.replaces).toBe(first.id);
    expect((await chat(gw, first.key, 'gpt-5')).status).toBe(200);
    expect((await chat(gw, graced.body.key, 'gpt-5')).status).toBe(200);
    const now = await post(gw, `/admin/keys/${graced.body.id}/rotate`, {});
    expect((await chat(gw, graced.body.key, 'gpt-5')).status).toBe(401);
    expect((await chat(gw, now.body.key, 'gpt-5')).status).toBe(200);
  });

  it.skipIf(skip)('an expired key is not rotated back to life, and a grace never lengthens a key', async () => {
    const short = await post(gw, '/admin/keys', { tenant: 'acme', expires_in: '90s' });
    const rotated = await post(gw, `/admin/keys/${short.body.id}/rotate`, { grace_seconds: 3600 });
    expect(rotated.status).toBe(201);
    const old = (await get(gw, `/admin/keys/${short.body.id}`)).body;
    expect(Date.parse(old.expires_at)).toBe(Date.parse(short.body.expires_at));
    // Once expired (set in the store: the API refuses an expiry in the past), it cannot be rotated.
    await gw.deps.store!.keys.update(short.body.id, { expiresAtMs: Date.now() - 1000 }, 'test');
    expect((await post(gw, `/admin/keys/${short.body.id}/rotate`, { grace_seconds: 3600 })).status).toBe(404);
    expect((await chat(gw, short.body.key as string)).status).toBe(401);
  });

  it.skipIf(skip)('quotes and semicolons that reach SQL are data', async () => {
    const injected = encodeURIComponent("x'; DROP TABLE api_keys;--");
    expect((await get(gw, `/admin/keys?tenant=${injected}`)).body).toMatchObject({ data: [] });
    expect((await del(gw, `/admin/tenants/${injected}`)).status).toBe(404);
    expect((await del(gw, `/admin/keys/${injected}`)).status).toBe(404);
    expect((await post(gw, '/admin/keys', { tenant: 'acme' })).status).toBe(201);
  });

  it.skipIf(skip)('a key is never made for a store tenant deleted meanwhile', async () => {
    const store = gw.deps.store!;
    await store.tenants.create({ id: 'brief' }, 'test');
    expect(await store.tenants.remove('brief', 'test', Date.now())).toMatchObject({ spec: { id: 'brief' } });
    await expect(store.keys.create({ tenant: 'brief' }, 'test')).rejects.toThrow(/No tenant brief/);
  });

  it.skipIf(skip)('bad input is a 4xx naming the field; quotes and semicolons are data', async () => {
    const cases: [unknown, string][] = [
      [{ tenant: "acme'; DROP TABLE api_keys;--" }, 'tenant'],
      [{ tenant: 'narrow', models: ['gpt-5'] }, 'models'],
      [{ tenant: 'acme', default_tags: ['no-such-tag'] }, 'default_tags'],
      [{ tenant: 'acme', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
      [{ tenant: 'acme', budget: { daily_usd: -1 } }, 'budget'],
      [{ tenant: 'acme', limits: { rpm: 0 } }, 'limits'],
      [{ tenant: 'acme', alerts: { webhook_url: 'ftp://x' } }, 'alerts'],
    ];
    for (const [body, param] of cases) {
      const res = await post(gw, '/admin/keys', body);
      expect([res.status, JSON.stringify(res.body.error)]).toEqual([400, expect.stringContaining(param)]);
    }
    expect((await get(gw, '/admin/keys/key_nope')).status).toBe(404);
    const noAdmin = await request(`${gw.url}/admin/keys`, { headers: { authorization: `Bearer ${KEYS.acme}` } });
    expect(noAdmin.statusCode).toBe(401);
    await noAdmin.body.dump();
  });
});

describe.skipIf(!postgresUp)('the store shared by two gateways (Postgres; skipped: none on 127.0.0.1:5432)', () => {
  it('a key made through one works on the other within a second, and is refused there within a second of its revoke', async () => {
    const mocks = await startMocks();
    const url = await schema();
    const [one, two] = [
      await startGateway(writeGatewayConfig(mocks, `store: { url: "${url}" }\n`)),
      await startGateway(writeGatewayConfig(mocks, `store: { url: "${url}" }\n`)),
    ];
    try {
      const { body } = await post(one, '/admin/keys', { tenant: 'acme' });
      const until = async (status: number) => {
        const started = Date.now();
        for (let i = 0; i < 100; i++) {
          if ((await chat(two, body.key as string, 'gpt-5')).status === status) return Date.now() - started;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error(`never ${status}`);
      };
      expect(await until(200)).toBeLessThan(1000);
      await del(one, `/admin/keys/${body.id}`);
      expect(await until(401)).toBeLessThan(1000);
    } finally {
      await one.close();
      await two.close();
      await closeMocks(mocks);
    }
  });

  it('a store that stops answering: keys still served, /ready and the gauge say so, admin writes 503', async () => {
    const proxy = await startTcpProxy(5432);
    const mocks = await startMocks();
    const url = (await schema()).replace('127.0.0.1:5432', `127.0.0.1:${proxy.port}`);
    const gw = await startGateway(writeGatewayConfig(mocks, `store: { url: "${url}" }\n`));
    try {
      const { body } = await post(gw, '/admin/keys', { tenant: 'acme' });
      const ready = async () => (await get(gw, '/ready')).body as { status: string; store?: string };
      expect(await ready()).toMatchObject({ store: 'up' });
      proxy.cut();
      let seen = await ready();
      for (let i = 0; i < 100 && seen.store !== 'down'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        seen = await ready();
      }
      expect(seen).toMatchObject({ status: 'degraded', store: 'down' });
      const metrics = await request(`${gw.url}/metrics`, { headers: admin });
      expect(await metrics.body.text()).toMatch(/switchyard_store_up 0/);
      expect((await chat(gw, body.key as string, 'gpt-5')).status).toBe(200);
      const refused = await post(gw, '/admin/keys', { tenant: 'acme' });
      expect([refused.status, refused.body.error.code]).toEqual([503, 'store_unavailable']);
      proxy.restore();
      for (let i = 0; i < 100 && seen.store !== 'up'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        seen = await ready();
      }
      expect(seen.store).toBe('up');
    } finally {
      await gw.close();
      await closeMocks(mocks);
      await proxy.close();
    }
  });

  it('a connection dropped in a transaction fails that call, and the process and the client go on', async () => {
    const client = await PgClient.connect(await schema());
    try {
      await expect(
        client.transaction((tx) => tx.query('SELECT pg_terminate_backend(pg_backend_pid())')),
      ).rejects.toThrow();
      expect(await client.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await client.close();
    }
  });

  it('a store that stops answering without refusing: an admin write gets 503 within seconds, requests go on', async () => {
    const proxy = await startTcpProxy(5432);
    const mocks = await startMocks();
    const url = (await schema()).replace('127.0.0.1:5432', `127.0.0.1:${proxy.port}`);
    const gw = await startGateway(writeGatewayConfig(mocks, `store: { url: "${url}" }\n`));
    try {
      const { body } = await post(gw, '/admin/keys', { tenant: 'acme' });
      proxy.stall();
      const started = Date.now();
      const refused = await post(gw, '/admin/keys', { tenant: 'acme' });
      expect([refused.status, refused.body.error.code]).toEqual([503, 'store_unavailable']);
      expect(Date.now() - started).toBeLessThan(8000);
      expect((await chat(gw, body.key as string, 'gpt-5')).status).toBe(200);
    } finally {
      proxy.restore();
      await gw.close();
      await closeMocks(mocks);
      await proxy.close();
    }
  }, 30_000);

  it('migrations run once when instances start at the same time', async () => {
    const url = await schema();
    const clients = await Promise.all([PgClient.connect(url), PgClient.connect(url), PgClient.connect(url)]);
    try {
      const applied = await Promise.all(clients.map((c) => migrate(c)));
      expect(applied.flat()).toEqual(migrations().map((m) => m.version));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});

/**
 * A TCP proxy on loopback to `port`: `cut` drops every connection and refuses new ones until `restore`; `stall`
 * keeps every connection open and forwards nothing (a peer that stops answering without refusing).
 */
async function startTcpProxy(port: number) {
  const pairs = new Set<[Socket, Socket]>();
  let mode: 'open' | 'cut' | 'stall' = 'open';
  const stallPair = ([client, upstream]: [Socket, Socket]) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const server = createServer((client) => {
    client.on('error', () => undefined);
    if (mode === 'cut') return client.destroy();
    const upstream = connect(port, '127.0.0.1');
    upstream.on('error', () => undefined);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    if (mode === 'stall') return stallPair(pair);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      mode = 'cut';
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
    },
    stall() {
      mode = 'stall';
      for (const pair of pairs) stallPair(pair);
    },
    restore() {
      mode = 'open';
    },
    close: () =>
      new Promise<void>((r) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => r());
      }),
  };
}
