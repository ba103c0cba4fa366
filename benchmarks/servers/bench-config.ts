/** The gateway configuration and the request every gateway benchmark uses. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashApiKey } from '../../dist/config/tenant-keys.js';

const KEY = 'sk-bench-tenant-0123456789';
export const BENCH_HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };

export const requestBody = (stream: boolean) =>
  JSON.stringify({
    model: 'gpt-5-mini',
    ...(stream ? { stream: true } : {}),
    messages: [{ role: 'user', content: 'Say hello in five words.' }],
  });

/** Writes a config (default policy, auth, budgets, the DuckDB log on) for routes to one upstream; returns its path. */
export function benchConfig(root: string, upstreamPort: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const config = join(dir, 'switchyard.yaml');
  writeFileSync(
    config,
    `server: { admin_key: bench-admin-key }
policies: [${join(root, 'policies/default.rules.json')}]
log: { dir: ${join(dir, 'log')}, roll_seconds: 60 }
routes:
  - { id: direct, kind: direct, base_url: "http://127.0.0.1:${upstreamPort}/v1", api_key: "sk-upstream-bench-key", clearance: confidential, models: [gpt-5, gpt-5-mini] }
  - { id: gpu, kind: onprem, base_url: "http://127.0.0.1:${upstreamPort}/v1", clearance: restricted, models: [llama-3.3-70b], pricing: { fixed_per_hour_usd: 1 } }
tenants:
  - { id: bench, api_keys: ["sha256:${hashApiKey(KEY)}"], budget: { daily_usd: 1000000, monthly_usd: 10000000, on_exceed: deny } }
`,
  );
  return config;
}
