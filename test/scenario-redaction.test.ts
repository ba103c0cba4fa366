import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../src/harness/load-scenario.js';
import { runScenario } from '../src/harness/run-scenario.js';
import { tempDir } from './helpers/hermetic.js';
import { ROOT } from './helpers/run-cli.js';

// What redaction saves, in a cost report: half the traffic is `pii`, and 60 % of that only through a name and an SSN
// (`redactable_share`). The option whose tenant redacts plans those requests at what remains, through the same
// planner: untagged, so the direct route may carry them; the one that does not sends all `pii` on-prem.
const routes = `
      policies: [${join(ROOT, 'policies/default.rules.json')}]
      routes:
        - { id: openai, kind: direct, base_url: "https://api.openai.com/v1", clearance: confidential, models: [gpt-5, gpt-5-mini] }
        - { id: gpu, kind: onprem, base_url: "http://gpu.internal/v1", clearance: restricted, models: [llama-3.3-70b], pricing: { fixed_per_hour_usd: 1.5 } }`;
const SCENARIO = `
name: redaction
seed: 5
volume: { tokens_per_day: [3000000] }
traffic:
  models: { gpt-5: 1 }
  input_tokens: { mean: 1000 }
  output_tokens: { mean: 500 }
  tags: [{ tags: [pii], share: 0.5, redactable_share: 0.6 }]
options:
  - id: all-pii-on-prem
    config:${routes}
  - id: redact-then-route
    config:${routes}
      tenants:
        - { id: scenario, api_keys: ["sha256:${'0'.repeat(64)}"], auto_tag: true, redaction: { kinds: [person, ssn] } }
`;

describe('a scenario with a redactable share', () => {
  it('moves the redactable requests off on-prem only for the option whose tenant redacts', async () => {
    const path = join(tempDir('switchyard-scenario-redaction'), 'redaction.scenario.yaml');
    writeFileSync(path, SCENARIO);
    const result = await runScenario(await loadScenario(path), { dbPath: ':memory:' });
    const of = (option: string) => result.costs.find((c) => c.option === option)!;
    const plain = of('all-pii-on-prem');
    const redacted = of('redact-then-route');
    expect(plain.requestsPerDay).toBe(redacted.requestsPerDay);
    const requests = plain.requestsPerDay;
    // Half are pii: all on-prem without redaction; with it, 40 % of those (20 % of all) stay.
    expect(plain.byKind.onprem! / requests).toBeCloseTo(0.5, 1);
    expect(redacted.byKind.onprem! / requests).toBeCloseTo(0.2, 1);
    expect(redacted.byKind.direct!).toBe(requests - redacted.byKind.onprem!);
    // Nothing sensitive leaves: what stays sensitive is all on-prem, in both.
    expect(redacted.sensitive).toBe(redacted.sensitiveOnPrem);
    expect(redacted.sensitive).toBeLessThan(plain.sensitive);
  });
});
