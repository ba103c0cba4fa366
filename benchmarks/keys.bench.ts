/**
 * Virtual keys on the request path, in one run:
 * 1. Added p50 with 10,000 keys in the store (PGlite): requests with a store key and with the config file's
 *    tenant key, interleaved on one connection through one gateway process. The target is none measurable.
 * 2. From a revoke on one instance to its refusal on another sharing Postgres: p50 and p99 over 100 revokes
 *    (skipped without a Postgres on 127.0.0.1:5432).
 * Run: `npm run build && npx tsx benchmarks/keys.bench.ts`
 */
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, request } from 'undici';
import { migrate } from '../dist/store/migrate.js';
import { PgliteClient } from '../dist/store/pglite-client.js';
import { startProcess } from '../test/helpers/start-process.js';
import { BENCH_HEADERS, benchConfig, requestBody } from './servers/bench-config.js';
import { nowMs } from './servers/load.js';

const root = new URL('../', import.meta.url).pathname;
const KEYS = 10_000;
const ROUNDS = 3000;
const REVOKES = 100;
const ADMIN = { authorization: 'Bearer bench-admin-key', 'content-type': 'application/json' };

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;

/** 10,000 keys for the bench tenant, written in one statement: `sk-sy-bench-<i>`, stored as their sha256. */
async function seedKeys(dir: string): Promise<void> {
  const db = await PgliteClient.open(dir);
  await migrate(db);
  await db.query(
    `INSERT INTO api_keys (id, tenant, key_hash, prefix)
     SELECT 'key_bench_' || i, 'bench', encode(sha256(convert_to('sk-sy-bench-' || i, 'UTF8')), 'hex'), 'sk-sy-be'
       FROM generate_series(1, $1) AS i`,
    [KEYS],
  );
  await db.close();
}

async function addedP50(upstreamPort: number): Promise<void> {
  const config = benchConfig(root, upstreamPort);
  const store = join(mkdtempSync(join(tmpdir(), 'switchyard-keys-')), 'data');
  await seedKeys(store);
  appendFileSync(config, `store: { path: ${store} }\n`);
  const gateway = await startProcess([join(root, 'bin/switchyard.js'), 'serve', '--config', config, '--port', '0']);
  const client = new Client(`http://127.0.0.1:${gateway.port}`, { pipelining: 1 });
  const body = requestBody(false);
  const time = async (authorization: string) => {
    const t0 = nowMs();
    const res = await client.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...BENCH_HEADERS, authorization },
      body,
    });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    return nowMs() - t0;
  };
  try {
    const yaml: number[] = [];
    const stored: number[] = [];
    for (let i = 0; i < 300; i++) await time(BENCH_HEADERS.authorization); // warm-up
    for (let i = 0; i < ROUNDS; i++) {
      const storeKey = `Bearer sk-sy-bench-${1 + Math.floor(Math.random() * KEYS)}`;
      // Alternate which goes first, so neither always follows the other.
      if (i % 2) {
        yaml.push(await time(BENCH_HEADERS.authorization));
        stored.push(await time(storeKey));
      } else {
        stored.push(await time(storeKey));
        yaml.push(await time(BENCH_HEADERS.authorization));
      }
    }
    const [a, b] = [pct(yaml, 0.5), pct(stored, 0.5)];
    console.log(`${KEYS} keys in the store, ${ROUNDS} requests each, interleaved on one connection:`);
    console.log(`  config tenant key  p50 ${a.toFixed(3)} ms   p99 ${pct(yaml, 0.99).toFixed(3)} ms`);
    console.log(`  store key          p50 ${b.toFixed(3)} ms   p99 ${pct(stored, 0.99).toFixed(3)} ms`);
    console.log(`  added p50: ${(b - a).toFixed(3)} ms (target ≤ 0.02 ms)`);
  } finally {
    await client.close();
    await gateway.stop();
  }
}

async function postgresUp(): Promise<boolean> {
  try {
    const pg = (await import('pg')).default;
    const c = new pg.Client('postgres://postgres@127.0.0.1:5432/test');
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function revokePropagation(upstreamPort: number): Promise<void> {
  if (!(await postgresUp())) {
    console.log('revoke propagation: skipped (no Postgres answering on 127.0.0.1:5432)');
    return;
  }
  const pg = (await import('pg')).default;
  const schema = `sy_bench_${process.pid}`;
  const admin = new pg.Client('postgres://postgres@127.0.0.1:5432/test');
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const config = benchConfig(root, upstreamPort);
  const url = `postgres://postgres@127.0.0.1:5432/test?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  appendFileSync(config, `store: { url: "${url}" }\n`);
  const [one, two] = [
    await startProcess([join(root, 'bin/switchyard.js'), 'serve', '--config', config, '--port', '0']),
    await startProcess([join(root, 'bin/switchyard.js'), 'serve', '--config', config, '--port', '0']),
  ];
  const status = async (port: number, key: string) => {
    const res = await request(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...BENCH_HEADERS, authorization: `Bearer ${key}` },
      body: requestBody(false),
    });
    await res.body.dump();
    return res.statusCode;
  };
  const until = async (port: number, key: string, wanted: number) => {
    for (let i = 0; i < 20_000; i++) if ((await status(port, key)) === wanted) return;
    throw new Error(`never ${wanted}`);
  };
  try {
    const delays: number[] = [];
    for (let i = 0; i < REVOKES; i++) {
      const made = await request(`http://127.0.0.1:${one.port}/admin/keys`, {
        method: 'POST',
        headers: ADMIN,
        body: JSON.stringify({ tenant: 'bench' }),
      });
      const { id, key } = (await made.body.json()) as { id: string; key: string };
      await until(two.port, key, 200);
      const t0 = nowMs();
      const revoked = await request(`http://127.0.0.1:${one.port}/admin/keys/${id}`, {
        method: 'DELETE',
        headers: { authorization: ADMIN.authorization },
      });
      await revoked.body.dump();
      await until(two.port, key, 401);
      delays.push(nowMs() - t0);
    }
    console.log(
      `revoke on one instance → refused on the other (Postgres, LISTEN/NOTIFY, 500 ms poll behind it), ${REVOKES} revokes: ` +
        `p50 ${pct(delays, 0.5).toFixed(1)} ms, p99 ${pct(delays, 0.99).toFixed(1)} ms, max ${Math.max(...delays).toFixed(1)} ms`,
    );
  } finally {
    await one.stop();
    await two.stop();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

const upstream = await startProcess([join(root, 'benchmarks/servers/upstream.js'), '0']);
try {
  console.log(
    `node ${process.version}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? ''}`,
  );
  await addedP50(upstream.port);
  await revokePropagation(upstream.port);
} finally {
  await upstream.stop();
}
