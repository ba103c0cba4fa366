import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../src/mock-upstream/mock-upstream.js';
import { tempDir } from './helpers/hermetic.js';
import { runCli } from './helpers/run-cli.js';

describe('switchyard check: the failover drill', () => {
  it('on the example config, names the on-prem single point of failure and what each outage does', async () => {
    const { code, stdout } = await runCli(['check', '-c', 'switchyard.example.yaml']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'single point of failure: restricted llama-3.3-70b: one route, onprem-gpu; if it fails: 503, by design',
    );
    expect(stdout).toContain('unreachable: confidential gemini-2.5-pro: no_eligible_route');
    expect(stdout).toMatch(/openai-direct\s+public gpt-5 → openrouter/);
    expect(stdout).toContain('confidential gpt-5 → denied (routes_unavailable)');
  });

  it('--json gives the same as data', async () => {
    const { code, stdout } = await runCli(['check', '-c', 'switchyard.example.yaml', '--json']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      valid: boolean;
      chains: { model: string; level: string; routes: string[]; singlePoint: boolean }[];
      routes_down: { route: string; effects: { then: string }[] }[];
      findings: string[];
    };
    expect(out.valid).toBe(true);
    expect(out.chains.find((c) => c.model === 'gpt-5' && c.level === 'public')?.routes).toEqual([
      'openai-direct/gpt-5',
      'openrouter/gpt-5',
    ]);
    expect(out.chains.find((c) => c.model === 'llama-3.3-70b' && c.level === 'restricted')?.singlePoint).toBe(true);
    expect(out.findings.length).toBeGreaterThan(0);
  });

  it('a config with problems lists them and exits 2', async () => {
    const path = join(tempDir('switchyard-check'), 'bad.yaml');
    writeFileSync(path, 'routes: []\ntenants: []\n');
    const { code, stderr } = await runCli(['check', '-c', path]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/routes/);
  });
});

describe('switchyard check --probe', () => {
  let good: MockUpstream;
  let refusing: MockUpstream;
  let unknown: MockUpstream;
  let slow: MockUpstream;
  beforeAll(async () => {
    [good, refusing, unknown, slow] = await Promise.all([
      startMockUpstream('direct'),
      startMockUpstream('direct'),
      startMockUpstream('direct'),
      startMockUpstream('direct', { delayMs: 300 }),
    ]);
    refusing.behave({ status: 401, errorMessage: 'Incorrect API key provided: sk-proj-abc…xyz' });
    unknown.behave({ status: 404, errorMessage: 'The model does not exist' });
  });
  afterAll(async () => Promise.all([good, refusing, unknown, slow].map((m) => m.close())));

  it('sends one max_tokens 1 request per route and names the 401, the 404 and the unreachable one; exits 1', async () => {
    const path = join(tempDir('switchyard-probe'), 'switchyard.yaml');
    writeFileSync(
      path,
      `
routes:
  - { id: good, kind: direct, base_url: "${good.url}", api_key: "\${PROBE_KEY}", clearance: confidential, models: { gpt-5: gpt-5-2025 } }
  - { id: bad-key, kind: direct, base_url: "${refusing.url}", api_key: "\${PROBE_KEY}", clearance: confidential, models: [gpt-5] }
  - { id: bad-model, kind: direct, base_url: "${unknown.url}", api_key: "\${PROBE_KEY}", clearance: confidential, models: [gpt-5] }
  - { id: gone, kind: direct, base_url: "http://127.0.0.1:9/v1", api_key: "\${PROBE_KEY}", clearance: confidential, models: [gpt-5] }
  - { id: slow, kind: direct, base_url: "${slow.url}", api_key: "\${PROBE_KEY}", clearance: confidential, models: [gpt-5], latency: { p95_ms: 100 } }
tenants:
  - { id: t, api_keys: ["sha256:${'0'.repeat(64)}"] }
`,
    );
    const { code, stdout, stderr } = await runCli(['check', '-c', path, '--probe', '--json'], {
      env: { PROBE_KEY: 'sk-probe-secret-0123456789' },
    });
    expect(code).toBe(1);
    const { probes } = JSON.parse(stdout) as { probes: { route: string; ok: boolean; verdict: string }[] };
    expect(Object.fromEntries(probes.map((p) => [p.route, p.verdict]))).toEqual({
      good: 'ok',
      'bad-key': 'key refused (401)',
      'bad-model': 'model or path unknown there (404)',
      gone: 'unreachable (connection refused or no such host)',
      slow: expect.stringMatching(/^slow: \d+ ms, above its latency\.p95_ms of 100$/),
    });
    expect(good.received.at(-1)?.body).toMatchObject({ model: 'gpt-5-2025', max_tokens: 1 });
    expect(stderr).toContain('4 routes failed the probe: bad-key, bad-model, gone, slow');
    expect(stdout + stderr).not.toContain('sk-probe-secret');
  });
});
