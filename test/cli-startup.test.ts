import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/run-cli.js';

/** Every module `file` loads before its first line runs: its static imports, followed through the build. */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  if (!file.startsWith('/')) return seen;
  const text = readFileSync(file, 'utf8');
  // `import x from '…'` and `export … from '…'`, not `import('…')` (loaded when a command runs).
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
    const spec = (m[1] ?? m[2]) as string;
    if (/^import type|^export type/.test(m[0])) continue;
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec);
      if (existsSync(target)) staticImports(target, seen);
    } else seen.add(spec);
  }
  return seen;
}

describe('the CLI starts light', () => {
  it('--help, --version and command parsing load no engine, gateway, DuckDB, fastify or Redis code', () => {
    const loaded = [...staticImports(join(ROOT, 'dist/cli/main.js'))];
    // engine/errors.js is one class with nothing behind it: the error every command reports.
    const heavy = loaded.filter(
      (m) =>
        /^(@duckdb|fastify|@fastify|ioredis|undici|prom-client|pino|json-rules-engine|@sinclair)/.test(m) ||
        (/\/(gateway|harness|engine)\//.test(m) && !m.endsWith('/engine/errors.js')),
    );
    expect(heavy).toEqual([]);
    expect(loaded).toContain('commander');
  });
});
