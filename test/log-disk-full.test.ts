import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeMocks,
  KEYS,
  startGateway,
  startMocks,
  writeGatewayConfig,
  type Mocks,
  type RunningGateway,
} from './helpers/gateway-fixture.js';
import { tempDir } from './helpers/hermetic.js';

// Issue 34: while the log's disk is full, rows wait in memory; /ready says so (degraded, `log: disk full`), and
// the backlog's 503 names the disk. A real full disk: a 2 MB tmpfs, which needs root (CI runs as root).
const dir = tempDir('switchyard-diskfull');
const mount = join(dir, 'small');
const mounted = (() => {
  try {
    mkdirSync(mount, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mount], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
let mocks: Mocks;
let gw: RunningGateway;
beforeAll(async () => {
  if (!mounted) return;
  mocks = await startMocks();
  const path = writeGatewayConfig(mocks);
  writeFileSync(
    path,
    readFileSync(path, 'utf8').replace(
      'log: { dir: log, roll_seconds: 3600 }',
      `log: { dir: "${mount}/log", roll_seconds: 3600, max_backlog_rows: 3 }`,
    ),
  );
  gw = await startGateway(path);
});
afterAll(async () => {
  if (!mounted) return;
  await gw?.close();
  await closeMocks(mocks);
  execFileSync('umount', ['-l', mount]);
});

const ready = async () =>
  (await (await request(`${gw.url}/ready`)).body.json()) as { status: string; problems?: string[] };
const chat = async () => {
  const res = await request(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.acme}` },
    body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as { error?: { code: string; message: string } } };
};
async function until(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never: ${what}`);
}

describe.skipIf(!mounted)('the log disk fills up (skipped: a tmpfs could not be mounted; it needs root)', () => {
  it('/ready says degraded with the disk, the backlog refusal names it, and all is well once there is room', async () => {
    expect((await ready()).status).toBe('ready');
    const filler = join(mount, 'filler');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k', 'count=64'], { stdio: 'ignore' });
    } catch {
      // dd stops with "no space left": the disk is full, which is the point.
    }
    expect((await chat()).status).toBe(200);
    await until(async () => (await ready()).status === 'degraded', '/ready degraded');
    expect((await ready()).problems).toEqual([
      expect.stringMatching(/^log: disk full: .*small\/log\/wal; rows wait in memory/),
    ]);
    // A request's row is recorded once its answer is sent, so the next request may be checked before that row counts:
    // the refusal comes at the fourth request after the first row (three more rows) or, when one wins that race, the
    // fifth.
    let refused = await chat();
    let asked = 1;
    while (refused.status === 200 && asked < 5) {
      refused = await chat();
      asked++;
    }
    expect(refused.status).toBe(503);
    expect(asked).toBeGreaterThanOrEqual(4);
    expect(refused.body.error?.message).toMatch(
      /The decision log is \d+ rows behind \(disk full: .*small\/log\/wal\); retry shortly\./,
    );
    rmSync(filler);
    await until(async () => (await ready()).status === 'ready', 'ready again');
    // Ready when a write succeeds; the lines it wrote count until their fsync: the refusal lasts until then.
    await until(async () => gw.deps.sink.backlog() === 0, 'the backlog on disk');
    expect((await chat()).status).toBe(200);
    await until(async () => (await gw.deps.sink.liveRows()).length >= 5, 'every row logged');
  });
});
