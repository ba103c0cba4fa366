import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { tempDir } from './helpers/hermetic.js';

const TENANT = `tenants:\n  - { id: t, api_keys: ["sha256:${'0'.repeat(64)}"] }\n`;
const write = (routes: string) => {
  const path = join(tempDir('switchyard-presets'), 'switchyard.yaml');
  writeFileSync(path, `routes:\n${routes}\n${TENANT}`);
  return path;
};
const ENV = {
  OPENAI_API_KEY: 'sk-openai-0123456789',
  OPENROUTER_API_KEY: 'sk-or-0123456789',
  ANTHROPIC_API_KEY: 'sk-ant-0123456789',
};

describe('provider presets', () => {
  it('a route needs only provider and models (and, for a direct provider or on-prem, its clearance)', async () => {
    const { file, routing } = await loadConfig(
      write(`  - { id: oa, provider: openai, clearance: confidential, models: [gpt-5] }
  - { id: or, provider: openrouter }
  - { id: ant, provider: anthropic, clearance: confidential, models: [claude-sonnet-4-6] }
  - { id: local, provider: ollama, clearance: restricted, models: { llama-3.3-70b: "llama3.3:70b" }, pricing: { fixed_per_hour_usd: 0 } }
  - { id: mine, provider: openai, base_url: "https://proxy.internal/v1", clearance: confidential, models: [gpt-5-mini] }`),
      { env: ENV, requireSecrets: true },
    );
    const [oa, or, ant, local, mine] = file.routes;
    expect(oa).toMatchObject({
      base_url: 'https://api.openai.com/v1',
      kind: 'direct',
      format: 'openai',
      api_key: ENV.OPENAI_API_KEY,
    });
    // The aggregator: every catalogue model, its credit fee, and the lowest level unless the route says more.
    expect(or).toMatchObject({
      base_url: 'https://openrouter.ai/api/v1',
      kind: 'aggregator',
      models: '*',
      clearance: 'public',
      pricing: { fee_percent: 5.5 },
      api_key: ENV.OPENROUTER_API_KEY,
    });
    expect(ant).toMatchObject({
      base_url: 'https://api.anthropic.com',
      format: 'anthropic',
      api_key: ENV.ANTHROPIC_API_KEY,
    });
    expect(local).toMatchObject({ base_url: 'http://127.0.0.1:11434/v1', kind: 'onprem' });
    expect(local!.api_key).toBeUndefined();
    // What the route says itself wins over the preset.
    expect(mine!.base_url).toBe('https://proxy.internal/v1');
    expect(routing.routes.find((r) => r.id === 'or')!.priceOf('gpt-5')).toBeDefined();
  });

  it('a direct provider without clearance, an unknown provider and an unset key are each reported', async () => {
    await expect(loadConfig(write('  - { id: oa, provider: openai, models: [gpt-5] }'), { env: ENV })).rejects.toThrow(
      /routes\[0\]\.clearance: is required/,
    );
    await expect(
      loadConfig(write('  - { id: x, provider: opnai, clearance: confidential, models: [gpt-5] }'), { env: ENV }),
    ).rejects.toThrow(/routes\[0\]\.provider: must be one of 'openai', 'anthropic'/);
    await expect(
      loadConfig(write('  - { id: oa, provider: openai, clearance: confidential, models: [gpt-5] }'), {
        env: {},
        requireSecrets: true,
      }),
    ).rejects.toThrow(/OPENAI_API_KEY/);
  });
});
