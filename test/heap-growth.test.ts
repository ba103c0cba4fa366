import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers/hermetic.js';
import { ROOT } from './helpers/run-cli.js';
import { startProcess } from './helpers/start-process.js';

const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));
const GC_ON_SIGNAL = fileURLToPath(new URL('./helpers/gc-on-signal.mjs', import.meta.url));

/**
 * The factor V8 applied to the old generation's next limit after a full collection in a `serve` process, from V8's
 * own `--trace-gc-verbose` lines (`[HeapController] Limit: old size: …, new limit: … (2.0)`), and the factor of its
 * `factor 4.0 based on mu=…` line (its own choice in Node 20's V8, the flag's where the flag replaces it later).
 */
async function limitFactors(server: string, nodeFlags: string[] = []): Promise<{ applied: string; own: string }> {
  const dir = tempDir('switchyard-heap');
  const config = join(dir, 'switchyard.yaml');
  writeFileSync(
    config,
    `server: { ${server} }
log: { dir: log }
routes:
  - { id: direct, kind: direct, base_url: "http://127.0.0.1:9/v1", api_key: sk-unused, clearance: confidential, models: [gpt-4o-mini] }
tenants:
  - { id: acme, api_keys: ["sha256:${'0'.repeat(64)}"] }
`,
  );
  const serve = await startProcess(
    [
      ...nodeFlags,
      '--expose-gc',
      '--trace-gc-verbose',
      '--import',
      GC_ON_SIGNAL,
      BIN,
      'serve',
      '-c',
      config,
      '--port',
      '0',
    ],
    {},
    ROOT,
  );
  let out = '';
  const collected = new Promise<void>((resolve) =>
    serve.child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('switchyard-test: collected')) resolve();
    }),
  );
  process.kill(serve.pid, 'SIGUSR2');
  await collected;
  // V8 writes its trace through C's stdio, buffered on a pipe: all of it is there once the process has exited.
  await serve.stop();
  const limits = [...out.matchAll(/\[HeapController\] Limit: old size: \d+ KB, new limit: \d+ KB(?: \(([\d.]+)\))?/g)];
  const factors = [...out.matchAll(/\[HeapController\] factor ([\d.]+) based on/g)];
  expect(limits.length, 'V8 traced its limits').toBeGreaterThan(0);
  // Node 20's V8 prints the factor it applied on the limit line and its own choice on the factor line; later V8s
  // (Node 22, 24) print only the factor line, after the flag has replaced V8's choice.
  const own = factors.at(-1)![1]!;
  return { applied: limits.at(-1)![1] ?? own, own };
}

describe('serve bounds how far the heap grows past its live set', () => {
  it('to twice the live heap by default', async () => {
    expect((await limitFactors('port: 0')).applied).toBe('2.0');
  });

  it('to what server.heap_growing_percent says, and leaves it to V8 at 0', async () => {
    expect((await limitFactors('heap_growing_percent: 50')).applied).toBe('1.5');
    const own = await limitFactors('heap_growing_percent: 0');
    expect(own.applied).toBe(own.own);
    expect(own.applied).not.toBe('2.0');
  });

  it("keeps the operator's --heap-growing-percent on node's command line", async () => {
    expect((await limitFactors('port: 0', ['--heap-growing-percent=30'])).applied).toBe('1.3');
  });
});
