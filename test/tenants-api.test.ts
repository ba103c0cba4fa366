import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { buildApp } from '../src/gateway/build-app.js';
import { createDefaultDeps } from '../src/gateway/gateway-deps.js';
import { tempDir } from './helpers/hermetic.js';
import {
  ADMIN_KEY,
  closeMocks,
  ENV,
  KEYS,
  startGateway,
  startMocks,
  writeGatewayConfig,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';
import { freshSchemas, postgresUp } from './helpers/postgres.js';

// Tenants through the admin API, beside the config file's, and admin keys with roles.
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const VIEWER_KEY = 'viewer-key-for-tests-0123456789';
const OPS_KEY = 'ops-admin-key-for-tests-0123456789';
const ROLES = `  admin_keys: [{ name: viewer, key: ${VIEWER_KEY}, role: viewer }, { name: ops, key: ${OPS_KEY}, role: admin }]\n`;

const call = (gw: RunningGateway, method: string, path: string, body?: unknown, key = ADMIN_KEY) =>
  request(`${gw.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).then(async (res) => ({
    status: res.statusCode,
    route: res.headers['x-switchyard-route'],
    body: (await res.body.json()) as Json,
  }));
const chat = (gw: RunningGateway, key: string, model = 'gpt-5-mini') =>
  call(gw, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, key);

/** The config with a store in `dir` and the roles' admin keys (under `server:`, beside the fixture's). */
function configWith(mocks: Mocks, dir: string, extraTenant = ''): string {
  const path = writeGatewayConfig(mocks, `${extraTenant}store: { path: ${dir} }\n`);
  writeFileSync(
    path,
    readFileSync(path, 'utf8').replace(
      /server: \{ body_limit_bytes: 65536, admin_key: (\S+) \}/,
      `server:\n  body_limit_bytes: 65536\n  admin_key: $1\n${ROLES}`,
    ),
  );
  return path;
}

describe('tenants through the admin API (PGlite)', () => {
  let mocks: Mocks;
  let gw: RunningGateway;
  let dir: string;
  beforeAll(async () => {
    mocks = await startMocks();
    dir = join(tempDir('switchyard-tenants'), 'data');
    gw = await startGateway(configWith(mocks, dir));
  });
  afterAll(async () => {
    await gw.close();
    await closeMocks(mocks);
  });

  it('a tenant is created, serves its keys, narrows on change and is deleted only without live keys', async () => {
    const created = await call(gw, 'POST', '/admin/tenants', {
      id: 'lab',
      default_tags: ['phi'],
      budget: { daily_usd: 10 },
    });
    expect([created.status, created.body.source]).toEqual([201, 'store']);
    const key = await call(gw, 'POST', '/admin/keys', { tenant: 'lab' });
    const answered = await chat(gw, key.body.key as string);
    // Its default tag (phi) keeps it on-prem, as it does the file's phi tenant.
    expect([answered.status, answered.route]).toEqual([200, 'onprem']);
    expect((await chat(gw, KEYS.clinic)).route).toBe('onprem');

    const changed = await call(gw, 'PATCH', '/admin/tenants/lab', { default_tags: null, models: ['gpt-5'] });
    expect(changed.status).toBe(200);
    expect(changed.body).not.toHaveProperty('default_tags');
    expect((await chat(gw, key.body.key as string, 'gpt-5')).route).not.toBe('onprem');
    expect((await chat(gw, key.body.key as string, 'gpt-5-mini')).body.error.code).toBe('model_not_found');

    const listed = await call(gw, 'GET', '/admin/tenants');
    expect(listed.body.data.map((t: Json) => [t.id, t.source])).toEqual([
      ['acme', 'config'],
      ['clinic', 'config'],
      ['lab', 'store'],
    ]);
    expect(JSON.stringify(listed.body)).not.toContain('sha256');

    const refused = await call(gw, 'DELETE', '/admin/tenants/lab');
    expect([refused.status, refused.body.error.code]).toEqual([409, 'tenant_has_keys']);
    await call(gw, 'DELETE', `/admin/keys/${key.body.id}`);
    expect((await call(gw, 'DELETE', '/admin/tenants/lab')).body.deleted).toBe(true);
    expect((await call(gw, 'GET', '/admin/tenants/lab')).status).toBe(404);
    const audit = (await call(gw, 'GET', '/admin/audit')).body.data.map((r: Json) => r.action);
    expect(audit).toEqual(expect.arrayContaining(['tenant.create', 'tenant.update', 'tenant.delete']));
  });

  it("a config file's tenant is changed only in the file; bad input names the field", async () => {
    for (const [method, path, body] of [
      ['POST', '/admin/tenants', { id: 'acme' }],
      ['PATCH', '/admin/tenants/acme', { slo_ms: 100 }],
      ['DELETE', '/admin/tenants/acme', undefined],
    ] as const) {
      const res = await call(gw, method, path, body);
      expect([res.status, res.body.error.code]).toEqual([409, 'defined_in_config']);
    }
    const cases: [unknown, string][] = [
      [{ id: "x'; DROP TABLE tenants;--" }, 'id'],
      [{ id: 'x', default_tags: ['no-such-tag'] }, 'default_tags'],
      [{ id: 'x', models: ['no-such-model'] }, 'models'],
      [{ id: 'x', budget: { daily_usd: -1 } }, 'budget'],
      [{ id: 'x', api_keys: ['sha256:00'] }, 'api_keys'],
    ];
    for (const [body, param] of cases) {
      const res = await call(gw, 'POST', '/admin/tenants', body);
      expect([res.status, JSON.stringify(res.body.error)]).toEqual([400, expect.stringContaining(param)]);
    }
    // A change to one field of a mapping keeps the others.
    await call(gw, 'POST', '/admin/tenants', {
      id: 'merged',
      budget: { daily_usd: 5, on_exceed: 'deny' },
      alerts: { webhook_url: 'https://hooks.example/services/T000/SECRET-PATH' },
    });
    const patched = await call(gw, 'PATCH', '/admin/tenants/merged', { budget: { monthly_usd: 100 } });
    expect(patched.body.budget).toEqual({ daily_usd: 5, on_exceed: 'deny', monthly_usd: 100 });
    // A viewer sees a webhook's origin, never its path (a chat webhook's secret).
    const seen = await call(gw, 'GET', '/admin/tenants/merged', undefined, VIEWER_KEY);
    expect(seen.body.alerts.webhook_url).toBe('https://hooks.example/…');
    expect(JSON.stringify((await call(gw, 'GET', '/admin/audit', undefined, VIEWER_KEY)).body)).not.toContain(
      'SECRET-PATH',
    );
    await call(gw, 'POST', '/admin/tenants', { id: 'dup' });
    expect((await call(gw, 'POST', '/admin/tenants', { id: 'dup' })).body.error.code).toBe('already_exists');
  });

  it('a viewer reads and never writes; each change names the admin key that made it', async () => {
    expect((await call(gw, 'GET', '/admin/tenants', undefined, VIEWER_KEY)).status).toBe(200);
    expect((await call(gw, 'GET', '/admin/spend', undefined, VIEWER_KEY)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/admin/keys', { tenant: 'acme' }],
      ['POST', '/admin/tenants', { id: 'nope' }],
      ['POST', '/admin/reload', undefined],
    ] as const) {
      const res = await call(gw, method, path, body, VIEWER_KEY);
      expect([res.status, res.body.error.code]).toEqual([403, 'admin_read_only']);
    }
    await call(gw, 'POST', '/admin/keys', { tenant: 'acme', name: 'by-ops' }, OPS_KEY);
    const trail = await call(gw, 'GET', '/admin/audit?limit=1');
    const [last] = trail.body.data as Json[];
    expect([last?.actor, last?.action]).toEqual(['ops', 'key.create']);
    expect((await call(gw, 'GET', '/admin/keys', undefined, 'not-a-key-0123456789')).status).toBe(401);
    expect((await call(gw, 'GET', '/admin/audit?limit=5000')).body.error.param).toBe('limit');
  });

  it('a start whose config file defines a tenant the store holds stops, naming it', async () => {
    await call(gw, 'POST', '/admin/tenants', { id: 'both' });
    const other = configWith(mocks, dir, '  - { id: both, api_keys: ["sha256:' + '1'.repeat(64) + '"] }\n');
    await gw.close();
    try {
      const loaded = await loadConfig(other, { env: ENV, requireSecrets: true });
      const deps = await createDefaultDeps(loaded);
      expect(() => buildApp(loaded, deps)).toThrow(/both defined both in the config file and in the store/);
      await deps.store?.close();
      await deps.sink.close();
    } finally {
      gw = await startGateway(configWith(mocks, dir));
    }
  });
});

const schema = freshSchemas('sy_tenants');

describe.skipIf(!postgresUp)('tenants on two instances (Postgres; skipped: none on 127.0.0.1:5432)', () => {
  it('a tenant and its key made through one instance serve on the other within a second', async () => {
    const mocks = await startMocks();
    const config = writeGatewayConfig(mocks, `store: { url: "${await schema()}" }\n`);
    const [one, two] = [await startGateway(config), await startGateway(config)];
    try {
      await call(one, 'POST', '/admin/tenants', { id: 'remote' });
      const key = await call(one, 'POST', '/admin/keys', { tenant: 'remote' });
      const started = Date.now();
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = (await chat(two, key.body.key as string)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 10));
      }
      expect(status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await one.close();
      await two.close();
      await closeMocks(mocks);
    }
  });
});
