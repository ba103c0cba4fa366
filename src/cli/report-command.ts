import { openLogReader } from '../duckdb/log-reader.js';
import { windowStart } from '../duckdb/log-window.js';
import { decimalTextToPico } from '../duckdb/usd-decimal.js';
import { formatUsd } from '../engine/money.js';
import { UsageError } from './cli-error.js';
import { createTable, renderTable } from './table.js';

export interface SpendOptions {
  log: string;
  since: string;
  json?: boolean;
}

/** `--since` as the start of the window, epoch ms. */
export function parseSince(since: string, nowMs: number): number {
  const at = windowStart(since, nowMs);
  if (Number.isNaN(at)) throw new UsageError(`--since must be like 7d, 12h, 30m or an ISO date, not '${since}'`);
  return at;
}

interface SpendRow {
  tenant: string;
  kind: string;
  model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  estimated: number;
  cost_usd: string;
}

export async function reportSpend(options: SpendOptions): Promise<number> {
  const sinceMs = parseSince(options.since, Date.now());
  const reader = await openLogReader(options.log);
  try {
    const result = await reader.connection.runAndReadAll(`
      SELECT tenant, coalesce(route_kind, '(refused)') AS kind, model,
             count(*)::INTEGER AS requests,
             sum(input_tokens)::BIGINT AS input_tokens, sum(output_tokens)::BIGINT AS output_tokens,
             (count(*) FILTER (WHERE estimated))::INTEGER AS estimated,
             sum(cost_usd)::VARCHAR AS cost_usd
        FROM ${reader.source}
       WHERE ts >= '${new Date(sinceMs).toISOString()}'::TIMESTAMPTZ
       GROUP BY ALL
       ORDER BY sum(cost_usd) DESC, tenant, kind, model`);
    const rows = (result.getRowObjectsJson() as unknown as SpendRow[]).map((r) => ({
      ...r,
      input_tokens: Number(r.input_tokens),
      output_tokens: Number(r.output_tokens),
      cost_usd: formatUsd(decimalTextToPico(r.cost_usd), 6),
    }));
    const total = formatUsd(
      rows.reduce((sum, r) => sum + decimalTextToPico(r.cost_usd), 0n),
      6,
    );
    if (options.json) {
      console.log(JSON.stringify({ since: new Date(sinceMs).toISOString(), total_usd: total, rows }, null, 2));
      return 0;
    }
    const table = createTable(
      ['tenant', 'route kind', 'model', 'requests', 'input tok', 'output tok', 'cost $'],
      ['left', 'left', 'left', 'right', 'right', 'right', 'right'],
    );
    for (const r of rows)
      table.push([
        r.tenant,
        r.kind,
        r.model,
        r.requests,
        r.input_tokens,
        r.output_tokens,
        r.cost_usd + (r.estimated > 0 ? ` (${r.estimated} est.)` : ''),
      ]);
    console.log(`spend since ${new Date(sinceMs).toISOString()} from ${options.log}`);
    console.log(renderTable(table));
    console.log(`total $${total}`);
    return 0;
  } finally {
    reader.close();
  }
}
