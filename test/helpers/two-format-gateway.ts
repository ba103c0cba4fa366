import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashApiKey } from '../../src/config/tenant-keys.js';
import { startMockUpstream, type MockUpstream } from '../../src/mock-upstream/mock-upstream.js';
import { KEYS, startGateway, type RunningGateway } from './gateway-fixture.js';
import { ROOT } from './run-cli.js';
import { tempDir } from './hermetic.js';

export const ANTHROPIC_KEY = 'sk-ant-upstream-SECRET-key-0000000000';

export interface TwoFormats {
  /** Anthropic Messages API mock behind route `claude` (claude-sonnet-4-6). */
  anthropic: MockUpstream;
  /** OpenAI-format mock behind route `openai` (gpt-5). */
  openai: MockUpstream;
  /** OpenAI-format mock behind route `onprem` (llama-3.3-70b). */
  onprem: MockUpstream;
  gw: RunningGateway;
  close(): Promise<void>;
}

/** A gateway with one route per wire format, and an on-prem route, each over its own real mock. */
export async function startTwoFormatGateway(): Promise<TwoFormats> {
  const [anthropic, openai, onprem] = await Promise.all([
    startMockUpstream('anthropic', {}, 0, 'anthropic'),
    startMockUpstream('openai'),
    startMockUpstream('onprem'),
  ]);
  const dir = tempDir('switchyard-formats');
  const config = join(dir, 'switchyard.yaml');
  writeFileSync(
    config,
    `
policies: [${join(ROOT, 'policies/default.rules.json')}]
log: { dir: log }
routes:
  - { id: claude, kind: direct, format: anthropic, base_url: "${anthropic.url}", api_key: "${ANTHROPIC_KEY}", clearance: confidential, models: [claude-sonnet-4-6] }
  - { id: openai, kind: direct, base_url: "${openai.url}", api_key: "\${DIRECT_KEY}", clearance: confidential, models: [gpt-5, gpt-5-mini] }
  - { id: onprem, kind: onprem, base_url: "${onprem.url}", clearance: restricted, models: [llama-3.3-70b], pricing: { fixed_per_hour_usd: 1 } }
tenants:
  - { id: acme, api_keys: ["sha256:${hashApiKey(KEYS.acme)}"] }
`,
  );
  const gw = await startGateway(config);
  return {
    anthropic,
    openai,
    onprem,
    gw,
    close: async () => {
      await gw.close();
      await Promise.all([anthropic.close(), openai.close(), onprem.close()]);
    },
  };
}
