import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { loadScenario } from '../harness/load-scenario.js';
import {
  bandLines,
  cacheLines,
  crossoverLines,
  LIVE_HEAD,
  liveRows,
  sensitiveLine,
  summaryRows,
} from '../harness/report-format.js';
import { runScenario } from '../harness/run-scenario.js';
import { scenarioSummary } from '../harness/scenario-summary.js';
import { writeReports } from '../harness/write-reports.js';
import { createTable, renderTable } from './table.js';

export interface RunOptions {
  out?: string;
  live?: boolean;
  strict?: boolean;
  json?: boolean;
}

export async function run(file: string, options: RunOptions): Promise<number> {
  const scenario = await loadScenario(file);
  const out = resolve(options.out ?? join('out', basename(file).replace(/\.scenario\.ya?ml$|\.ya?ml$/, '')));
  mkdirSync(out, { recursive: true });
  const dbPath = join(out, 'scenario.duckdb');
  // A bar on a terminal, weighted by the work each step replays; nothing when stderr is a file or a CI log.
  const bar = process.stderr.isTTY
    ? new SingleBar(
        { format: 'replaying {bar} {percentage}% · {label}', stream: process.stderr, clearOnComplete: true },
        undefined,
      )
    : undefined;
  bar?.start(1, 0, { label: '' });
  const result = await runScenario(scenario, {
    dbPath,
    live: options.live === true,
    onProgress: (done, total, label) => {
      bar?.setTotal(total);
      bar?.update(done, { label });
    },
  });
  bar?.stop();
  const files = writeReports(result, out);
  const warnings = result.warnings.map((w) => `warning: ${w.kind.replace('_', ' ')}: ${w.message}`);
  for (const w of warnings) console.error(w);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(scenarioSummary(result), null, 2)}\n`);
    return options.strict && warnings.length > 0 ? 1 : 0;
  }

  const table = createTable(
    ['tokens/day', ...scenario.options.map((o) => `${o.id} $/day`), 'cheapest'],
    ['right', ...scenario.options.map(() => 'right' as const), 'left'],
  );
  for (const row of summaryRows(result)) table.push(row);
  const sensitive = sensitiveLine(result);
  console.log(`${scenario.file.name}\n`);
  console.log(renderTable(table));
  console.log(
    `\ncrossovers:\n${crossoverLines(result)
      .map((l) => `  ${l}`)
      .join('\n')}`,
  );
  console.log(
    `cheapest by volume:\n${bandLines(result)
      .map((l) => `  ${l}`)
      .join('\n')}`,
  );
  if (sensitive) console.log(sensitive);
  const cache = cacheLines(result);
  if (cache.length > 0) console.log(`response cache:\n${cache.map((l) => `  ${l}`).join('\n')}`);
  if (result.live) {
    const live = createTable(LIVE_HEAD);
    for (const row of liveRows(result)) live.push(row);
    console.log(`\nlive, through a real gateway per option:\n${renderTable(live)}`);
  }
  console.log(
    `\nreplayed ${result.replayed.requests.toLocaleString('en-US')} requests in ${result.replayed.seconds.toFixed(1)} s`,
  );
  console.log(`wrote ${[...files, dbPath].join(', ')}`);
  if (options.strict && warnings.length > 0) {
    console.error(`switchyard: --strict: ${warnings.length} warning${warnings.length === 1 ? '' : 's'} (above)`);
    return 1;
  }
  return 0;
}
