import { parentPort, workerData } from 'node:worker_threads';
import { DuckDBInstance } from '../duckdb/duckdb-api.js';
import { decisionWhere, LogRelation, spendSql } from './log-query-sql.js';
import type { QueryReply, QueryRequest, QuerySetup } from '../gateway/dashboard/log-queries.js';

/**
 * The dashboard's queries in their own thread, on a DuckDB of their own over the Parquet log (and the last
 * minute's write-ahead rows): nothing here runs on the gateway's event loop, and a slow query holds no request.
 */
const port = parentPort!;
const setup = workerData as QuerySetup;
const db = await DuckDBInstance.create(':memory:', { memory_limit: setup.memoryLimit, threads: String(setup.threads) });
const connection = await db.connect();
const log = await LogRelation.open(connection, setup.dir, setup.walDir);

/** List columns: what a row of the decisions page shows (the whole row opens with `decision`). */
const LIST = `epoch_ms(ts)::DOUBLE AS ts, request_id, tenant, key_id, requested_model, model, route, route_kind, tags,
  sensitivity, status, error_code, latency_ms, input_tokens, output_tokens, cost_usd::DOUBLE AS cost_usd`;

async function rows(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql, values as never);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

async function answer(request: QueryRequest): Promise<unknown> {
  switch (request.kind) {
    case 'decisions': {
      const source = await log.source();
      const { sql, values } = decisionWhere(request.filters);
      const limit = Math.min(200, Math.max(1, request.filters.limit ?? 50));
      // Two steps: the page's oldest time from the time column (and the filters') alone, then the rows at or
      // after it, which the Parquet segments' statistics narrow to a few row groups. One step would read every
      // column of every row to keep fifty.
      const [edge] = await rows(
        `SELECT epoch_ms(min(ts))::DOUBLE AS since FROM (SELECT ts FROM ${source} ${sql} ORDER BY ts DESC LIMIT ${limit})`,
        values,
      );
      if (edge?.since === null || edge?.since === undefined) return [];
      const since = `ts >= epoch_ms(${Number(edge.since)}::BIGINT)`;
      const where = sql === '' ? `WHERE ${since}` : `${sql} AND ${since}`;
      return rows(`SELECT ${LIST} FROM ${source} ${where} ORDER BY ts DESC, request_id DESC LIMIT ${limit}`, values);
    }
    case 'decision': {
      const source = await log.source();
      const [row] = await rows(
        `SELECT * EXCLUDE (ts, cost_usd), epoch_ms(ts)::DOUBLE AS ts, cost_usd::DOUBLE AS cost_usd FROM ${source} WHERE request_id = $1 LIMIT 1`,
        [request.requestId],
      );
      return row ?? null;
    }
    case 'spend': {
      const { sql, bucket } = spendSql(await log.spendSource(), request.by, request.range, Date.now());
      return { bucket, rows: await rows(sql) };
    }
    case 'crossover':
      // The harness is loaded when the crossover page first asks, not when the thread starts.
      return (await import('./crossover.js')).crossoverView(request.scenario, setup.dir, request.days, Date.now());
    case 'warm':
      // One segment a turn, so questions asked meanwhile are answered between the steps.
      if (!closing && !(await log.rollUp(1))) queue({ kind: 'warm', id: -2 });
      return null;
    case 'close':
      connection.closeSync();
      db.closeSync();
      port.close();
      return null;
  }
}

// One question at a time: the rollup and the queries share one connection and its temporary tables.
let turn: Promise<void> = Promise.resolve();
function queue(request: QueryRequest): void {
  turn = turn.then(() =>
    answer(request).then(
      (result) => (request.id >= 0 ? port.postMessage({ id: request.id, result } satisfies QueryReply) : undefined),
      (err: Error) =>
        request.id >= 0 ? port.postMessage({ id: request.id, error: err.message } satisfies QueryReply) : undefined,
    ),
  );
}
/** Set when the gateway asks the thread to end: no more rollup steps are queued. */
let closing = false;
port.on('message', (request: QueryRequest) => {
  if (request.kind === 'close') closing = true;
  queue(request);
});
port.postMessage({ id: -1, result: 'ready' } satisfies QueryReply);
