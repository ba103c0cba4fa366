import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMocks, ENV, startMocks, writeGatewayConfig, type Mocks } from './helpers/gateway-fixture.js';
import { ROOT, runCli } from './helpers/run-cli.js';
import { startProcess } from './helpers/start-process.js';
import { tempDir } from './helpers/hermetic.js';

const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));

let mocks: Mocks;
beforeAll(async () => {
  mocks = await startMocks();
});
afterAll(async () => closeMocks(mocks));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

describe('switchyard serve', () => {
  it('refuses to start on an invalid config, listing every problem', async () => {
    const r = await runCli(['serve', '--config', 'switchyard.example.yaml'], {
      env: { OPENROUTER_API_KEY: '', OPENAI_API_KEY: '' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('switchyard.example.yaml:');
    expect(r.stderr).toContain('server.admin_key: environment variable SWITCHYARD_ADMIN_KEY is not set');
    expect(r.stderr).toContain('routes[0].api_key: environment variable OPENROUTER_API_KEY is not set');
    expect(r.stderr).toContain('routes[1].api_key: environment variable OPENAI_API_KEY is not set');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('with --mock-upstreams, a bad --port or a busy one exits 2 with one line instead of hanging', async () => {
    const bad = await runCli(['serve', '--config', 'switchyard.example.yaml', '--mock-upstreams', '--port', 'abc']);
    expect(bad).toMatchObject({ code: 2, stderr: "switchyard: --port must be a positive whole number, not 'abc'\n" });
    const busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    try {
      const port = String((busy.address() as AddressInfo).port);
      const taken = await runCli(['serve', '--config', 'switchyard.example.yaml', '--mock-upstreams', '--port', port]);
      expect(taken).toMatchObject({ code: 2, stderr: `switchyard: cannot listen on 127.0.0.1:${port}: EADDRINUSE\n` });
    } finally {
      busy.close();
    }
  });

  it('a bare serve with no switchyard.yaml says how to start', async () => {
    const r = await runCli(['serve'], { cwd: tempDir('switchyard-empty') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('copy switchyard.example.yaml to switchyard.yaml');
  });

  it('a log.dir it cannot write is named at start: one line, exit 2', async () => {
    const nowhere = { url: 'http://127.0.0.1:9/v1' } as Mocks[keyof Mocks];
    const config = writeGatewayConfig({ aggregator: nowhere, direct: nowhere, onprem: nowhere });
    writeFileSync(join(dirname(config), 'afile'), 'x');
    writeFileSync(config, readFileSync(config, 'utf8').replace('dir: log,', 'dir: afile/log,'));
    const r = await runCli(['serve', '--config', config, '--port', '0'], { env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/log\.dir: .*afile\/log is not writable \(a file stands where a directory is needed\)/);
  });

  it('prints its version', async () => {
    const r = await runCli(['--version']);
    expect(r).toMatchObject({
      code: 0,
      stdout: `${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`,
    });
  });

  it('serves on the given port and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const serve = await startProcess(
      [BIN, 'serve', '--config', writeGatewayConfig(mocks), '--port', String(port)],
      ENV,
      ROOT,
    );
    expect(serve.port).toBe(port);
    const res = await request(`http://127.0.0.1:${port}/health`);
    expect(await res.body.json()).toEqual({ status: 'ok' });
    serve.child.kill('SIGTERM');
    const [code] = (await once(serve.child, 'exit')) as [number];
    expect(code).toBe(0);
  });

  it('--mock-upstreams runs the example config with no provider and no key', async () => {
    const log = join(tempDir('sy-mock'), 'log');
    const noKeys = { OPENROUTER_API_KEY: '', OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', SWITCHYARD_ADMIN_KEY: '' };
    const serve = await startProcess(
      [BIN, 'serve', '--config', 'switchyard.example.yaml', '--mock-upstreams', '--port', '0', '--log', log],
      noKeys,
      ROOT,
    );
    const res = await request(`http://127.0.0.1:${serve.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-demo-acme', 'x-switchyard-tags': 'phi' },
      body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.headers['x-switchyard-route']).toBe('onprem-gpu');
    expect(
      ((await res.body.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toBe('Hello from onprem-gpu.');
    // The admin API stays off without a real admin key.
    const admin = await request(`http://127.0.0.1:${serve.port}/admin/spend`, {
      headers: { authorization: 'Bearer ${SWITCHYARD_ADMIN_KEY}' },
    });
    expect(admin.statusCode).toBe(403);
    await admin.body.dump();
    serve.child.kill('SIGTERM');
    const [code] = (await once(serve.child, 'exit')) as [number];
    expect(code).toBe(0);
  });

  it('--mock-upstreams: a reload keeps the routes on their mocks', async () => {
    const log = join(tempDir('sy-mock'), 'log');
    const env = {
      OPENROUTER_API_KEY: '',
      OPENAI_API_KEY: '',
      ANTHROPIC_API_KEY: '',
      SWITCHYARD_ADMIN_KEY: 'demo-admin-key-0123456789',
    };
    const serve = await startProcess(
      [BIN, 'serve', '--config', 'switchyard.example.yaml', '--mock-upstreams', '--port', '0', '--log', log],
      env,
      ROOT,
    );
    const base = `http://127.0.0.1:${serve.port}`;
    const reload = await request(`${base}/admin/reload`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo-admin-key-0123456789' },
    });
    expect(reload.statusCode).toBe(200);
    await reload.body.dump();
    const res = await request(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-demo-acme' },
      body: JSON.stringify({ model: 'gpt-5', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.statusCode).toBe(200);
    expect(
      ((await res.body.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content,
    ).toMatch(/^Hello from /);
    serve.child.kill('SIGTERM');
    const [code] = (await once(serve.child, 'exit')) as [number];
    expect(code).toBe(0);
  });
});
