import { loadConfig } from '../config/load-config.js';
import { formatUsd } from '../engine/money.js';
import { whatIf } from '../harness/whatif.js';
import { createTable, renderTable } from './table.js';

export interface WhatIfOptions {
  log: string;
  config: string;
  json?: boolean;
}

export async function run(options: WhatIfOptions): Promise<number> {
  const { routing } = await loadConfig(options.config);
  const result = await whatIf(options.log, routing);
  const kinds = [...new Set([...Object.keys(result.actual), ...Object.keys(result.whatIf)])].sort();
  if (options.json) {
    const view = (t: typeof result.actual) =>
      Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { requests: v.requests, usd: formatUsd(v.pico, 6) }]));
    console.log(
      JSON.stringify(
        {
          requests: result.requests,
          actual: { total_usd: formatUsd(result.actualPico, 6), by_kind: view(result.actual) },
          what_if: { config: options.config, total_usd: formatUsd(result.whatIfPico, 6), by_kind: view(result.whatIf) },
          moved: result.moved,
          unknown_tenant: result.unknownTenant,
          fallbacks: result.fallbacks,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  const table = createTable(
    ['route kind', 'actual requests', 'actual $', 'what-if requests', 'what-if $'],
    ['left', 'right', 'right', 'right', 'right'],
  );
  for (const k of kinds)
    table.push([
      k,
      result.actual[k]?.requests ?? 0,
      formatUsd(result.actual[k]?.pico ?? 0n, 6),
      result.whatIf[k]?.requests ?? 0,
      formatUsd(result.whatIf[k]?.pico ?? 0n, 6),
    ]);
  table.push([
    'total',
    result.requests,
    formatUsd(result.actualPico, 6),
    result.requests,
    formatUsd(result.whatIfPico, 6),
  ]);
  console.log(`${plural(result.requests, 'logged request')} replayed under ${options.config}\n`);
  console.log(renderTable(table));
  console.log(
    `\n${plural(result.moved, 'request')} would go to another route kind${result.unknownTenant ? `; ${result.unknownTenant} from tenants the config does not know (denied)` : ''}`,
  );
  for (const [pair, n] of Object.entries(result.fallbacks))
    console.log(
      `${plural(n, 'request')} would be served by a fallback model: ${pair} (no route of the requested model could)`,
    );
  return 0;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
