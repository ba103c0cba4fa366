import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { ConfigError } from '../src/engine/errors.js';
import { tempDir } from './helpers/hermetic.js';

const dir = tempDir('switchyard-config');
function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
async function problemsOf(path: string, env: Record<string, string> = {}, requireSecrets = false): Promise<string[]> {
  try {
    await loadConfig(path, { env, requireSecrets });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

const ROUTES = `
routes:
  - { id: agg, kind: aggregator, base_url: "https://agg.example/v1", api_key: "\${AGG_KEY}", clearance: internal, models: [gpt-5], pricing: { fee_percent: 5.5 } }
  - { id: gpu, kind: onprem, base_url: "http://127.0.0.1:9/v1", clearance: restricted, models: { llama-3.3-70b: llama }, pricing: { fixed_per_hour_usd: 2 } }
tenants:
  - { id: t, api_keys: ["\${T_KEY}"] }
`;

describe('config loading', () => {
  it('loads, resolves env refs, hashes keys and freezes', async () => {
    const loaded = await loadConfig(write('ok.yaml', ROUTES), {
      env: { AGG_KEY: 'upstream-secret', T_KEY: 'tenant-key-123456' },
      requireSecrets: true,
    });
    expect(loaded.file.routes[0]?.api_key).toBe('upstream-secret');
    expect(loaded.file.routes[0]?.timeouts).toEqual({
      connect_ms: 5000,
      first_byte_ms: 60000,
      idle_ms: 30000,
      total_ms: 600000,
    });
    expect([...loaded.tenantKeys.values()]).toEqual(['t']);
    expect([...loaded.tenantKeys.keys()][0]).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.isFrozen(loaded.file.routes[0])).toBe(true);
  });

  it('lists every problem with its path', async () => {
    const path = write(
      'bad.yaml',
      `
routes:
  - { id: agg, kind: aggregator, base_url: "https://a/v1", clearance: restricted, models: [gpt-5] }
  - { id: agg, kind: direct, base_url: "https://b/v1", clearance: secret-ish, models: [no-such-model] }
  - { id: gpu, kind: onprem, base_url: "http://127.0.0.1:9/v1", clearance: restricted, models: "*", pricing: { fixed_per_hour_usd: 2, fee_percent: 1 } }
tenants:
  - { id: t, api_keys: ["plain-text-key"], budget: { daily_usd: 5, on_exceed: downgrade } }
`,
    );
    expect(await problemsOf(path)).toEqual([
      'tenants[0].api_keys[0]: write a key as sha256:<hex> (switchyard hash-key) or ${ENV_VAR}, never in plain text',
    ]);
    writeFileSync(
      path,
      (await import('node:fs')).readFileSync(path, 'utf8').replace('plain-text-key', 'sha256:' + 'a'.repeat(64)),
    );
    expect(await problemsOf(path)).toEqual([
      "routes: route id 'agg' is used twice",
      'routes[0].clearance: only onprem routes may carry restricted data; this route is aggregator',
      "routes[1].clearance: unknown level 'secret-ish' (levels: public, internal, confidential, restricted)",
      "routes[1].models: no price for 'no-such-model': add it to pricing.models or a catalogue",
      'routes[2].pricing: fixed_per_hour_usd (zero marginal cost) cannot be combined with per-token prices, fees or markups',
      "tenants[0].budget.downgrade_to: is required when on_exceed is 'downgrade'",
    ]);
  });

  it('reports unset secrets when they are required, and only then', async () => {
    const path = write('env.yaml', ROUTES);
    expect(await problemsOf(path, {}, true)).toEqual([
      'routes[0].api_key: environment variable AGG_KEY is not set',
      'tenants[0].api_keys[0]: environment variable T_KEY is not set',
    ]);
    expect(await problemsOf(path, {}, false)).toEqual([]);
  });

  it('never prints a substituted secret: a problem shows the ${NAME} it came from', async () => {
    const path = write('secret.yaml', ROUTES.replace('clearance: internal', 'clearance: "${AGG_KEY}"'));
    const problems = await problemsOf(path, { AGG_KEY: 'sk-live-very-secret-value', T_KEY: 'k' });
    expect(problems).toEqual([
      "routes[0].clearance: unknown level '${AGG_KEY}' (levels: public, internal, confidential, restricted)",
    ]);
    expect(problems.join('')).not.toContain('very-secret');
  });

  it('names the route whose base_url does not parse as a URL', async () => {
    const path = write('url.yaml', ROUTES.replace('http://127.0.0.1:9/v1', 'http://[::1/v1'));
    expect(await problemsOf(path)).toEqual(["routes[1].base_url: is not a valid URL: 'http://[::1/v1'"]);
    const spaced = write('spaced.yaml', ROUTES.replace('http://127.0.0.1:9/v1', 'http://h:1 /v1'));
    expect(await problemsOf(spaced)).toEqual(['routes[1].base_url: must be an http(s) URL without spaces']);
  });

  it('refuses a base_url holding credentials or a query string (never sent), naming the field, never the secret', async () => {
    const creds = write('creds.yaml', ROUTES.replace('https://agg.example/v1', 'https://user:hunter2@agg.example/v1'));
    const problems = await problemsOf(creds);
    expect(problems).toEqual([
      expect.stringMatching(
        /^routes\[0\]\.base_url: holds credentials \(user:password@\), which are never sent: put the upstream's key in api_key/,
      ),
    ]);
    expect(problems.join()).not.toContain('hunter2');
    const query = write(
      'query.yaml',
      ROUTES.replace('https://agg.example/v1', 'https://agg.example/v1?api-version=2024-10-21'),
    );
    expect(await problemsOf(query)).toEqual([
      expect.stringMatching(/^routes\[0\]\.base_url: holds a query string, which is never sent/),
    ]);
  });

  it('refuses a detection table entry that names a tag the config does not define', async () => {
    const path = write('detect.yaml', `${ROUTES}sensitivity: { detect: { mrn: phii, email: internal } }\n`);
    expect(await problemsOf(path)).toEqual([
      "sensitivity.detect.mrn: 'phii' is not a tag this config defines (a sensitivity tag, a level, a residency tag or one a rule uses)",
    ]);
  });

  it("reports a missing policy file together with the config's own problems", async () => {
    const path = write(
      'many.yaml',
      `policies: [nope.rules.json]\n${ROUTES.replace('clearance: internal', 'clearance: nope')}`,
    );
    const problems = await problemsOf(path, { AGG_KEY: 'k', T_KEY: 'k' });
    expect(problems).toEqual([
      expect.stringMatching(/nope\.rules\.json: no such file$/),
      "routes[0].clearance: unknown level 'nope' (levels: public, internal, confidential, restricted)",
    ]);
  });

  it('reports a missing catalogue file alone: the built-in prices still price the routes it would have', async () => {
    const path = write('nocat.yaml', `catalogues: [nope-prices.json]\n${ROUTES}`);
    expect(await problemsOf(path, { AGG_KEY: 'k', T_KEY: 'k' })).toEqual([
      expect.stringMatching(/nope-prices\.json: no such file$/),
    ]);
  });

  it('reports YAML syntax errors with the line', async () => {
    const problems = await problemsOf(write('syntax.yaml', 'routes:\n  - id: [unclosed\n'));
    expect(problems[0]).toMatch(/^line \d+:\d+: /);
  });

  it('reports policy problems with the file and rule', async () => {
    write(
      'p.rules.json',
      JSON.stringify({
        rules: [
          {
            name: 'x',
            conditions: { all: [{ fact: 'tenat', operator: 'equal', value: 'a' }] },
            event: { type: 'require', params: { routes: ['nope'] } },
          },
        ],
      }),
    );
    const problems = await problemsOf(write('with-policy.yaml', `policies: [p.rules.json]\n${ROUTES}`));
    expect(problems).toEqual([
      expect.stringMatching(/p\.rules\.json: rules\[0\]\.conditions\.all\[0\]\.fact: unknown fact 'tenat'/),
    ]);
  });
});
