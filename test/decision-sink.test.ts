import { readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import type { LogRow } from '../src/duckdb/log-schema.js';
import { DuckDbDecisionSink } from '../src/gateway/record/duckdb-decision-sink.js';
import { tempDir } from './helpers/hermetic.js';

const row = (i: number): LogRow => ({
  ts: Date.parse('2026-11-26T12:00:00Z') + i,
  requestId: `r${i}`,
  tenant: 'acme',
  endpoint: 'chat',
  requestedModel: 'gpt-5',
  model: 'gpt-5',
  route: 'direct',
  routeKind: 'direct',
  upstreamModel: 'gpt-5',
  tags: [],
  sensitivity: 'public',
  rules: [],
  stream: false,
  status: 200,
  attempts: [{ route: 'direct', status: 200, ms: 3 }],
  latencyMs: 3,
  inputTokens: 10,
  outputTokens: 2,
  cachedTokens: 0,
  reasoningTokens: 0,
  costPico: 1_234_567n,
  estimated: false,
});

describe('DuckDB decision sink', () => {
  it('rolls a segment to Parquet as soon as it holds rollRows rows, on its clock, and keeps the rest live', async () => {
    const dir = tempDir('switchyard-sink');
    const now = Date.parse('2026-11-26T12:00:00Z');
    const sink = await DuckDbDecisionSink.open({ dir, rollRows: 3, rollMs: 3_600_000, flushMs: 3_600_000 }, { now: () => now });
    for (let i = 0; i < 4; i++) sink.record(row(i));
    await sink.flush();
    const segments = readdirSync(dir).filter((f) => f.endsWith('.parquet'));
    expect(segments).toHaveLength(1);
    expect(segments[0]).toMatch(/^requests-2026-11-26T12-00-00-000Z-/);
    sink.record(row(4));
    expect((await sink.liveRows()).map((r) => r.request_id)).toEqual(['r4']);
    await sink.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.parquet'))).toHaveLength(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
