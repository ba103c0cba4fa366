import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLogReader } from '../src/duckdb/log-reader.js';
import { rowToLine, type LogRow } from '../src/duckdb/log-row.js';
import { DuckDbDecisionSink } from '../src/gateway/record/duckdb-decision-sink.js';
import { processAlive, walDirOf } from '../src/gateway/record/write-ahead-log.js';
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
    const sink = await DuckDbDecisionSink.open(
      { dir, rollRows: 3, rollMs: 3_600_000, flushMs: 3_600_000 },
      { now: () => now },
    );
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

  it('a value its column cannot hold is flagged on its row, and the rows around it go in as they are', async () => {
    const dir = tempDir('switchyard-sink');
    const sink = await DuckDbDecisionSink.open({ dir, flushMs: 3_600_000 }, { now: () => Date.now() });
    // No gateway writes such a status: it stands for any value DuckDB will not take into its column.
    for (let i = 0; i < 5; i++) sink.record(i === 2 ? { ...row(i), status: 3_000_000_000 } : row(i));
    await sink.flush();
    const live = await sink.liveRows();
    expect(live.map((r) => [r.request_id, r.status])).toEqual([
      ['r0', 200],
      ['r1', 200],
      ['r2', 0],
      ['r3', 200],
      ['r4', 200],
    ]);
    expect(live[2]!.row_problem).toBe('status 3000000000');
    await sink.close();
  });

  it('a row the log cannot take is kept with its problem flagged, and every later row still goes in', async () => {
    const dir = tempDir('switchyard-sink');
    const sink = await DuckDbDecisionSink.open({ dir }, { now: () => Date.now() });
    sink.record({ ...row(0), inputTokens: 10.3, outputTokens: 3e9, latencyMs: Number.NaN, costPico: -5n });
    for (let i = 1; i < 4; i++) sink.record(row(i));
    await sink.close();
    const rows = await readLog(dir);
    expect(rows.map((r) => r.request_id)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(rows[0]).toMatchObject({
      input_tokens: 10,
      output_tokens: 2_147_483_647,
      latency_ms: 0,
      cost: '0.000000000000',
      row_problem: 'inputTokens 10.3; outputTokens 3000000000; latencyMs NaN; costPico -5',
    });
    expect(rows[1]).toMatchObject({ input_tokens: 10, row_problem: null, instance: `${hostname()}:${process.pid}` });
  });

  it("rolls lines into Parquet through DuckDB's JSON reader with the very values the appender writes", async () => {
    // Every optional field set, fractional milliseconds, a cost past a double's exact range.
    const full = (i: number): LogRow => ({
      ...row(i),
      ts: row(i).ts + 0.75,
      residency: ['eu'],
      errorCode: 'upstream_timeout',
      ttftMs: 12.5,
      costPico: 123_456_789_012_345_678_901n,
      rowProblem: 'outputTokens 3000000000',
      callerRequestId: `caller-${i}`,
      keyId: 'k1',
      excluded: [{ route: 'agg', reason: 'clearance', detail: 'internal < restricted' }],
      expectedCostUsd: 0.0123,
      cache: 'hit',
      savedUsd: 0.5,
      redactedCount: 2,
      redactedKinds: ['person', 'ssn'],
    });
    const rows = [full(0), row(1), full(2)];
    const rolled = tempDir('switchyard-sink');
    const sink = await DuckDbDecisionSink.open({ dir: rolled }, { now: () => Date.now() });
    for (const r of rows) sink.record(r);
    await sink.close();
    // The same lines as a dead writer's segment: recovery appends them through the appender.
    let dead = 999_999;
    while (processAlive(dead)) dead--;
    const appended = tempDir('switchyard-sink');
    mkdirSync(walDirOf(appended), { recursive: true });
    const instance = `${hostname()}:${process.pid}`;
    const lines = rows.map((r) => rowToLine({ ...r, instance }));
    writeFileSync(join(walDirOf(appended), `${dead}-bbbb-0.ndjson`), `${lines.join('\n')}\n`);
    await (await DuckDbDecisionSink.open({ dir: appended }, { now: () => Date.now() })).close();
    const [a, b] = [await readLog(rolled), await readLog(appended)];
    expect(a).toHaveLength(3);
    expect(a).toEqual(b);
    expect(a[0]).toMatchObject({
      cost: '123456789.012345678901',
      residency: ['eu'],
      redacted_kinds: ['person', 'ssn'],
    });
  });

  it("replays a dead writer's write-ahead segment into Parquet on open, skipping a torn last line, once", async () => {
    const dir = tempDir('switchyard-sink');
    let dead = 999_999;
    while (processAlive(dead)) dead--;
    mkdirSync(walDirOf(dir), { recursive: true });
    writeFileSync(
      join(walDirOf(dir), `${dead}-aaaa-0.ndjson`),
      `${rowToLine(row(0))}\n${rowToLine(row(1))}\nnot a row\n{"requestId":"torn`,
    );
    // A segment whose Parquet file was written before the kill: removed, not replayed twice.
    writeFileSync(join(walDirOf(dir), `${dead}-aaaa-1.ndjson`), `${rowToLine(row(2))}\n`);
    const elsewhere = tempDir('switchyard-sink');
    const writer = await DuckDbDecisionSink.open({ dir: elsewhere }, { now: () => Date.now() });
    writer.record(row(2));
    await writer.close();
    const written = readdirSync(elsewhere).find((f) => f.endsWith('.parquet')) as string;
    renameSync(join(elsewhere, written), join(dir, `requests-2026-11-26T12-00-00-000Z-${dead}-aaaa-1.parquet`));

    // Another machine's writer in a shared directory: its pid means nothing here, so it is never taken for dead.
    const otherHost = `othermachine_${dead}-bbbb-0.ndjson`;
    writeFileSync(join(walDirOf(dir), otherHost), `${rowToLine(row(3))}\n`);

    const sink = await DuckDbDecisionSink.open({ dir }, { now: () => Date.now() });
    await sink.close();
    expect((await readLog(dir)).map((r) => r.request_id).sort()).toEqual(['r0', 'r1', 'r2']);
    expect(readdirSync(walDirOf(dir))).toEqual([otherHost]);
  });

  it('merges the segments of each past UTC day into one file on open, and leaves today alone', async () => {
    const dir = tempDir('switchyard-sink');
    const writeDay = async (day: string, segments: number) => {
      for (let n = 0; n < segments; n++) {
        const at = Date.parse(`${day}T10:00:00Z`) + n * 3_600_000;
        const sink = await DuckDbDecisionSink.open({ dir }, { now: () => at });
        sink.record({ ...row(n), requestId: `${day}-${n}`, ts: at });
        await sink.close();
      }
    };
    await writeDay('2026-11-27', 3);
    await writeDay('2026-11-28', 2);
    await writeDay('2026-11-29', 1);
    await writeDay('2026-11-30', 2);
    const sink = await DuckDbDecisionSink.open({ dir }, { now: () => Date.parse('2026-11-30T18:00:00Z') });
    await sink.close();
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.parquet'))
      .sort();
    expect(files.map((f) => f.slice(9, 19))).toEqual([
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-11-30',
    ]);
    expect(files[0]).toMatch(/-day-/);
    expect((await readLog(dir)).map((r) => r.request_id)).toEqual([
      '2026-11-27-0',
      '2026-11-27-1',
      '2026-11-27-2',
      '2026-11-28-0',
      '2026-11-28-1',
      '2026-11-29-0',
      '2026-11-30-0',
      '2026-11-30-1',
    ]);
    expect(readdirSync(dir).filter((f) => !f.endsWith('.parquet'))).toEqual(['wal']);
  });
});

describe('the decision log on the event loop, DuckDB in a job process', () => {
  /** Bounded: lines are written within 10 ms and fsync'd every 200 ms. */
  const untilOnDisk = async (sink: DuckDbDecisionSink) => {
    for (let i = 0; i < 200 && sink.backlog() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sink.backlog()).toBe(0);
  };
  const walLines = (dir: string) =>
    readdirSync(walDirOf(dir))
      .map((f) => readFileSync(join(walDirOf(dir), f), 'utf8'))
      .join('')
      .split('\n')
      .filter(Boolean);

  it('writes each line within milliseconds, counts the backlog until fsync, shows live rows, Parquet on close', async () => {
    const dir = tempDir('switchyard-sink');
    const sink = await DuckDbDecisionSink.open({ dir }, { now: () => Date.now() });
    for (let i = 0; i < 5; i++) sink.record(row(i));
    expect(sink.backlog()).toBe(5);
    // Written (in the kernel's hands: a killed process loses none) long before the fsync every 200 ms.
    for (let i = 0; i < 100 && walLines(dir).length < 5; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(walLines(dir)).toHaveLength(5);
    expect((await sink.liveRows()).map((r) => r.request_id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    await untilOnDisk(sink);
    sink.record({ ...row(5), costPico: -5n });
    await sink.close();
    const rows = await readLog(dir);
    expect(rows.map((r) => r.request_id)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    expect(rows[0]).toMatchObject({ cost: '0.000001234567', instance: `${hostname()}:${process.pid}` });
    expect(rows[5]).toMatchObject({ cost: '0.000000000000', row_problem: 'costPico -5' });
  });

  it('a roll whose job fails keeps its segments, the next roll writes them with the later rows: none lost', async () => {
    const dir = tempDir('switchyard-sink');
    const now = Date.parse('2026-11-26T12:00:00Z');
    const sink = await DuckDbDecisionSink.open({ dir, flushMs: 3_600_000 }, { now: () => now }, 'testhost_1-aaaa');
    const warnings: string[] = [];
    const warned = (w: Error) => warnings.push(w.message);
    process.on('warning', warned);
    // Where the job would write its Parquet file, a directory: DuckDB cannot write there, the job exits non-zero.
    const blocked = join(dir, 'requests-2026-11-26T12-00-00-000Z-testhost_1-aaaa-0.parquet.tmp');
    mkdirSync(blocked);
    for (let i = 0; i < 3; i++) sink.record(row(i));
    await sink.flush(true);
    await new Promise((resolve) => setImmediate(resolve)); // a warning is emitted on the next tick
    expect(readdirSync(dir).filter((f) => f.endsWith('.parquet'))).toEqual([]);
    expect(warnings.join('\n')).toMatch(/decision log: roll job: .+/);
    rmdirSync(blocked);
    sink.record(row(3));
    await sink.close();
    process.off('warning', warned);
    expect((await readLog(dir)).map((r) => r.request_id)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(readdirSync(walDirOf(dir))).toEqual([]);
  });
});

async function readLog(dir: string): Promise<Record<string, unknown>[]> {
  const reader = await openLogReader(dir);
  try {
    const result = await reader.connection.runAndReadAll(
      `SELECT * EXCLUDE (cost_usd), cost_usd::VARCHAR AS cost FROM ${reader.source} ORDER BY request_id`,
    );
    return result.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    reader.close();
  }
}

describe('the job process', () => {
  it('runs below the gateway: a roll yields the CPU to requests', async () => {
    if (!existsSync('/proc/self/stat')) return void console.warn('skipped: no /proc here to read a priority from');
    const dir = tempDir('switchyard-sink');
    const sink = await DuckDbDecisionSink.open({ dir, flushMs: 3_600_000 }, { now: () => Date.now() });
    for (let i = 0; i < 3; i++) sink.record(row(i));
    let done = false;
    const rolled = sink.flush(true).then(() => (done = true));
    const niceness = new Set<number>();
    // Bounded: the job lives for a few hundred milliseconds; its priority is read from /proc while it runs.
    for (let i = 0; i < 2_000 && !done; i++) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        const read = (file: string) => readFileSync(`/proc/${pid}/${file}`, 'utf8');
        try {
          if (!read('cmdline').includes('log-job-process')) continue;
          const stat = read('stat');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          if (Number(fields[1]) === process.pid) niceness.add(Number(fields[16]));
        } catch {
          // It ended between the listing and the read.
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await rolled;
    await sink.close();
    expect([...niceness]).toEqual([10]);
  });

  it('stops when the gateway that started it goes (its stdin closes), leaving the segment for the next roll', async () => {
    const dir = tempDir('switchyard-sink');
    mkdirSync(walDirOf(dir), { recursive: true });
    const lines = Array.from({ length: 50_000 }, (_, i) => rowToLine(row(i)));
    writeFileSync(join(walDirOf(dir), 'testhost_1-cccc-0.ndjson'), `${lines.join('\n')}\n`);
    const job = {
      kind: 'roll',
      dir,
      segments: ['testhost_1-cccc-0'],
      nowMs: Date.now(),
      compact: false,
      duckdb: { memoryLimit: '128MB', threads: 1 },
    };
    const script = new URL('../dist/gateway/record/log-job-process.js', import.meta.url);
    const child = spawn(process.execPath, [fileURLToPath(script), JSON.stringify(job)], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.stdin.end();
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.parquet'))).toEqual([]);
    expect(readdirSync(walDirOf(dir))).toEqual(['testhost_1-cccc-0.ndjson']);
  });
});
