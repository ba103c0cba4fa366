import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../state/clock.js';
import { adoptOpenWriters, DuckDbDecisionSink } from './duckdb-decision-sink.js';
import type { FromWriter, ToWriter, WriterSetup } from './threaded-decision-sink.js';

/**
 * The decision log's writer in its own thread (`threaded-decision-sink.ts` runs it): the DuckDB appends,
 * the write-ahead segment's lines and fsyncs and the Parquet rolls happen here, off the gateway's event loop.
 */
const port = parentPort!;
const setup = workerData as WriterSetup;
const send = (message: FromWriter) => port.postMessage(message);
/** How often the write-ahead log's health is looked at: well inside a readiness probe's period. */
const PROBLEM_CHECK_MS = 250;

adoptOpenWriters(setup.openWriters);
try {
  const sink = await DuckDbDecisionSink.open(setup.options, systemClock, setup.writerId);
  port.on('message', (message: ToWriter) => void handle(sink, message));
  send({ type: 'ready' });
  watchProblems(sink);
} catch (err) {
  send({ type: 'failed', message: (err as Error).message });
  port.close();
}

/** Tells the gateway when rows stop reaching the disk (a full disk) and when they reach it again. */
function watchProblems(sink: DuckDbDecisionSink): void {
  let told: string | undefined;
  const timer = setInterval(() => {
    const problem = sink.problem();
    if (problem !== told) send({ type: 'problem', problem: (told = problem) });
  }, PROBLEM_CHECK_MS);
  timer.unref();
}

async function handle(sink: DuckDbDecisionSink, message: ToWriter): Promise<void> {
  switch (message.type) {
    case 'lines':
      for (const line of message.lines) sink.recordLine(line);
      // Acknowledged once on disk: until then the gateway keeps the batch, to send again if this thread dies.
      await sink.onDisk();
      send({ type: 'on-disk', rows: message.lines.length });
      return;
    case 'live':
      send({ type: 'live', id: message.id, rows: await sink.liveRows() });
      return;
    case 'close':
      await sink.close();
      send({ type: 'closed' });
      port.close();
  }
}
