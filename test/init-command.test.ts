import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { tempDir } from './helpers/hermetic.js';
import { runCli } from './helpers/run-cli.js';
import { startProcess } from './helpers/start-process.js';

const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));

/** The printed curl line, sent as written: its URL, its two headers and its body. */
async function runCurlLine(line: string) {
  const url = /curl -s (\S+)/.exec(line)![1]!;
  const headers = Object.fromEntries([...line.matchAll(/-H "([^:]+): ([^"]+)"/g)].map((m) => [m[1]!, m[2]!]));
  const body = /-d '([^']+)'/.exec(line)![1]!;
  const res = await request(url, { method: 'POST', headers, body });
  return {
    status: res.statusCode,
    route: res.headers['x-switchyard-route'],
    body: (await res.body.json()) as { choices?: unknown[] },
  };
}

describe('switchyard init', () => {
  let openai: MockUpstream;
  let local: MockUpstream;
  beforeAll(async () => {
    [openai, local] = await Promise.all([startMockUpstream('openai'), startMockUpstream('vllm')]);
  });
  afterAll(async () => Promise.all([openai.close(), local.close()]));

  it('with a key in the environment, writes a config whose gateway answers the printed curl line', async () => {
    const cwd = tempDir('switchyard-init');
    const env = { OPENAI_API_KEY: 'sk-test-openai-0123456789' };
    const { code, stdout } = await runCli(['init', '--base-url', `openai=${openai.url}`, '--onprem', local.url], {
      cwd,
      env,
    });
    expect(code).toBe(0);
    const config = parse(readFileSync(join(cwd, 'switchyard.yaml'), 'utf8')) as {
      routes: { id: string; clearance: string; models: string[] }[];
      tenants: { api_keys: string[] }[];
    };
    expect(config.routes.map((r) => r.id)).toEqual(['openai', 'onprem']);
    expect(config.routes[1]).toMatchObject({ clearance: 'restricted', models: ['llama-3.3-70b'] });
    // The key is printed once and stored hashed.
    const key = /key \(shown once, stored hashed\): (sk-sy-[0-9a-f]+)/.exec(stdout)![1]!;
    expect(readFileSync(join(cwd, 'switchyard.yaml'), 'utf8')).not.toContain(key);
    expect(config.tenants[0]!.api_keys[0]).toMatch(/^sha256:/);
    const serve = await startProcess([BIN, 'serve', '--port', '0'], env, cwd);
    try {
      const curl = stdout
        .split('\n')
        .find((l) => l.startsWith('try:'))!
        .replace(/127\.0\.0\.1:4000/, `127.0.0.1:${serve.port}`);
      const answer = await runCurlLine(curl);
      expect(answer).toMatchObject({ status: 200, route: 'openai' });
      expect(openai.received.at(-1)?.headers.authorization).toBe(`Bearer ${env.OPENAI_API_KEY}`);
    } finally {
      await serve.stop();
    }
  });

  it('writes the embedded store; the keys and tenants commands work against the gateway it starts', async () => {
    const cwd = tempDir('switchyard-init');
    const env = { OPENAI_API_KEY: 'sk-test-openai-0123456789', SWITCHYARD_ADMIN_KEY: '' };
    const init = await runCli(['init', '--base-url', `openai=${openai.url}`], { cwd, env });
    expect(init.code).toBe(0);
    expect(parse(readFileSync(join(cwd, 'switchyard.yaml'), 'utf8'))).toMatchObject({
      store: { path: './switchyard-data' },
    });
    const adminKey = /admin key \(written to [^)]+; shown once\): (\S+)/.exec(init.stdout)![1]!;
    const serve = await startProcess([BIN, 'serve', '--port', '0'], env, cwd);
    try {
      const cli = (args: string[], adminEnv = { SWITCHYARD_ADMIN_KEY: adminKey }) =>
        runCli([...args, '--url', `http://127.0.0.1:${serve.port}`], { cwd, env: { ...env, ...adminEnv } });
      expect((await cli(['tenants', 'create', 'team', '--daily-usd', '5'])).code).toBe(0);
      const made = await cli(['keys', 'create', '--tenant', 'team', '--name', 'ci', '--rpm', '60', '--json']);
      expect(made.code).toBe(0);
      const { id, key } = JSON.parse(made.stdout) as { id: string; key: string };
      const chat = () =>
        request(`http://127.0.0.1:${serve.port}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }] }),
        }).then(async (r) => (await r.body.dump(), r.statusCode));
      expect(await chat()).toBe(200);
      const listed = await cli(['keys', 'list', '--tenant', 'team']);
      expect(listed.stdout).toMatch(new RegExp(`${id}\\s+ci\\s+team\\s+${key.slice(0, 8)}\\s+live`));
      expect(listed.stdout).not.toContain(key);
      expect((await cli(['keys', 'revoke', id])).stdout).toContain(`revoked ${id}`);
      expect(await chat()).toBe(401);
      // The gateway's refusal is one line and exit 2; no admin key is a usage error.
      const refused = await cli(['tenants', 'delete', 'acme-nope']);
      expect([refused.code, refused.stderr.trim()]).toEqual([2, expect.stringMatching(/^switchyard: not_found: /)]);
      expect((await cli(['keys', 'list'], { SWITCHYARD_ADMIN_KEY: '' })).stderr).toContain('SWITCHYARD_ADMIN_KEY');
    } finally {
      await serve.stop();
    }
  });

  it("detects Azure OpenAI and AWS from their variables: routes whose config loads, Bedrock with the region's profiles", async () => {
    const cwd = tempDir('switchyard-init');
    const { code, stdout } = await runCli(['init', '--no-store'], {
      cwd,
      env: {
        OPENAI_API_KEY: '',
        ANTHROPIC_API_KEY: '',
        OPENROUTER_API_KEY: '',
        GEMINI_API_KEY: '',
        GOOGLE_CLOUD_PROJECT: '',
        AZURE_OPENAI_API_KEY: 'azure-key-0123456789',
        AZURE_OPENAI_ENDPOINT: 'https://acme-eu.openai.azure.com',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_REGION: 'eu-west-1',
      },
    });
    expect(code).toBe(0);
    expect(stdout).toContain('bedrock: claude-sonnet-4-6, claude-haiku-4-5 (from AWS_ACCESS_KEY_ID, AWS_REGION)');
    const config = parse(readFileSync(join(cwd, 'switchyard.yaml'), 'utf8')) as { routes: Record<string, unknown>[] };
    expect(config.routes.map((r) => [r.id, r.provider])).toEqual([
      ['azure', 'azure'],
      ['bedrock', 'bedrock'],
    ]);
    expect(config.routes[1]!.models).toEqual({
      'claude-sonnet-4-6': 'eu.anthropic.claude-sonnet-4-6',
      'claude-haiku-4-5': 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
    });
    const check = await runCli(['check', '-c', join(cwd, 'switchyard.yaml')], {
      cwd,
      env: {
        AZURE_OPENAI_API_KEY: 'k',
        AZURE_OPENAI_ENDPOINT: 'https://acme-eu.openai.azure.com',
        AWS_REGION: 'eu-west-1',
      },
    });
    expect(check.code, check.stderr + check.stdout).toBe(0);
  });

  it('with no key and no flags, says what to do in one line and writes nothing', async () => {
    const cwd = tempDir('switchyard-init');
    const { code, stderr } = await runCli(['init'], {
      cwd,
      env: {
        OPENAI_API_KEY: '',
        ANTHROPIC_API_KEY: '',
        OPENROUTER_API_KEY: '',
        GEMINI_API_KEY: '',
        AZURE_OPENAI_API_KEY: '',
        AWS_ACCESS_KEY_ID: '',
        GOOGLE_CLOUD_PROJECT: '',
      },
    });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('switchyard init --demo');
    expect(existsSync(join(cwd, 'switchyard.yaml'))).toBe(false);
  });

  it('--demo writes the example config, to run with --mock-upstreams', async () => {
    const cwd = tempDir('switchyard-init');
    const { code, stdout } = await runCli(['init', '--demo'], { cwd });
    expect(code).toBe(0);
    expect(stdout).toContain('--mock-upstreams');
    expect(readFileSync(join(cwd, 'switchyard.yaml'), 'utf8')).toContain('onprem-gpu');
  });
});
