import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { loadScenario } from '../harness/load-scenario.js';
import { bandLines, crossoverLines, LIVE_HEAD, liveRows, sensitiveLine, summaryRows } from '../harness/report-format.js';
import { runScenario } from '../harness/run-scenario.js';
import { writeReports } from '../harness/write-reports.js';
import { createTable, renderTable } from './table.js';

export interface RunOptions {
  out?: string;
  live?: boolean;
}

export async function run(file: string, options: RunOptions): Promise<number> {
  const scenario = await loadScenario(file);
  const out = resolve(options.out ?? join('out', basename(file).replace(/\.scenario\.ya?ml$|\.ya?ml$/, '')));
  mkdirSync(out, { recursive: true });
  const dbPath = join(out, 'scenario.duckdb');
  // A bar on a terminal; plain lines where stderr is a file or a CI log.
  const bar = new SingleBar({ format: 'replaying {bar} {value}/{total} volumes · {label}', noTTYOutput: true, notTTYSchedule: 5000, stream: process.stderr }, undefined);
  bar.start(scenario.volumes.length, 0, { label: '' });
  const result = await runScenario(scenario, { dbPath, live: options.live === true, onProgress: (done, _total, label) => bar.update(done, { label }) });
  bar.stop();

  const table = createTable(['tokens/day', ...scenario.options.map((o) => `${o.id} $/day`), 'cheapest'], ['right', ...scenario.options.map(() => 'right' as const), 'left']);
  for (const row of summaryRows(result)) table.push(row);
  const sensitive = sensitiveLine(result);
  console.log(`${scenario.file.name}\n`);
  console.log(renderTable(table));
  console.log(`\ncrossovers:\n${crossoverLines(result).map((l) => `  ${l}`).join('\n')}`);
  console.log(`cheapest by volume:\n${bandLines(result).map((l) => `  ${l}`).join('\n')}`);
  if (sensitive) console.log(sensitive);
  if (result.live) {
    const live = createTable(LIVE_HEAD);
    for (const row of liveRows(result)) live.push(row);
    console.log(`\nlive, through a real gateway per option:\n${renderTable(live)}`);
  }
  console.log(`\nreplayed ${result.replayed.requests.toLocaleString('en-US')} requests in ${result.replayed.seconds.toFixed(1)} s`);
  const files = writeReports(result, out);
  console.log(`wrote ${[...files, dbPath].join(', ')}`);
  return 0;
}
