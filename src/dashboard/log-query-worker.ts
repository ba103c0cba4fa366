import { parentPort, workerData } from 'node:worker_threads';
import { DuckDBInstance } from '@duckdb/node-api';
import { crossoverFromLog } from './crossover.js';
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
      return rows(`SELECT ${LIST} FROM ${source} ${sql} ORDER BY ts DESC, request_id DESC LIMIT ${limit}`, values);
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
      const { sql, bucket } = spendSql(await log.source(), request.by, request.range, Date.now());
      return { bucket, rows: await rows(sql) };
    }
    case 'crossover':
      return crossoverFromLog(request.scenario, setup.dir, request.days);
  }
}

port.on('message', (request: QueryRequest) => {
  answer(request).then(
    (result) => port.postMessage({ id: request.id, result } satisfies QueryReply),
    (err: Error) => port.postMessage({ id: request.id, error: err.message } satisfies QueryReply),
  );
});
port.postMessage({ id: -1, result: 'ready' } satisfies QueryReply);
