import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatUsd } from '../engine/money.js';
import { htmlReport } from './html-report.js';
import {
  bandLines,
  cacheLines,
  crossoverLines,
  LIVE_HEAD,
  liveRows,
  sensitiveLine,
  sensitivityLines,
  summaryRows,
  tokensLabel,
  usd,
  usdNumber,
} from './report-format.js';
import { scenarioSummary } from './scenario-summary.js';
import type { ScenarioResult } from './run-scenario.js';

/** What the published figures say beside what their inputs give when replayed. */
function publishedSection(result: ScenarioResult): string[] {
  const p = result.scenario.file.published;
  if (!p) return [];
  const lines = [
    '## Against the published figures',
    '',
    `Source: ${p.source}`,
    '',
    '| option | tokens/day | published $/day | replayed $/day |',
    '|---|---:|---:|---:|',
  ];
  for (const f of p.figures) {
    const replayed = result.costs.find((c) => c.option === f.option && c.tokensPerDay === f.tokens_per_day);
    lines.push(
      `| ${f.option} | ${tokensLabel(f.tokens_per_day)} | ${usdNumber(f.usd_per_day)} | ${replayed ? usd(replayed.totalPico) : '(not replayed)'} |`,
    );
  }
  if (p.crossover_claim) {
    const ids = new Set(p.figures.map((f) => f.option));
    const implied = result.crossovers.filter((c) => ids.has(c.a) && ids.has(c.b));
    const claim = p.crossover_claim;
    lines.push('', `The source claims the crossover is "${claim.text}".`);
    if (implied.length === 0)
      lines.push(
        "Replayed with the source's own inputs, the options do not cross in the swept range: **the inputs do not support the claim.**",
      );
    for (const c of implied) {
      const off = Math.abs(c.tokensPerDay - claim.tokens_per_day) / claim.tokens_per_day;
      lines.push(
        off <= 0.1
          ? `Replayed with the source's own inputs the crossover is at ≈${tokensLabel(c.tokensPerDay)} tokens/day: **the inputs support the claim.**`
          : `Replayed with the source's own inputs the crossover is at ≈${tokensLabel(c.tokensPerDay)} tokens/day, not ${tokensLabel(claim.tokens_per_day)}: **the inputs do not support the claim**` +
              ` (${c.cheaperBelow} is cheaper below it, ${c.cheaperAbove} above).`,
      );
    }
  }
  return [...lines, ''];
}

/**
 * What the scenario's outages cost each option: the requests during them, failed over or denied, against every route
 * up.
 */
function outageSection(result: ScenarioResult): string[] {
  const rows = result.outages;
  if (!rows) return [];
  const windows = (result.scenario.file.outages ?? [])
    .map((o) => `${o.route} from hour ${o.from_hour} for ${o.hours} h`)
    .join('; ');
  const usd = (pico: number) => `$${(pico / 1e12).toFixed(4)}`;
  return [
    '## Outages',
    '',
    `Routes down: ${windows}. The requests in those hours were planned with the routes' circuits open (failing over to the next route or model, or denied), and again with every route up.`,
    '',
    '| option | tokens/day | requests in the outage | denied (all up) | token cost | all up | extra |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.option} | ${r.tokensPerDay.toLocaleString('en-US')} | ${r.requests.toLocaleString('en-US')} | ${r.denied} (${r.deniedIfUp}) | ${usd(r.costPico)} | ${usd(r.costIfUpPico)} | ${usd(r.costPico - r.costIfUpPico)} |`,
    ),
    '',
  ];
}

export function markdownReport(result: ScenarioResult): string {
  const s = result.scenario;
  const options = s.options.map((o) => o.id);
  const sensitive = sensitiveLine(result);
  return [
    `# ${s.file.name}`,
    '',
    s.file.description?.trim() ?? '',
    '',
    ...(result.warnings.length > 0
      ? ['## Read this first', '', ...result.warnings.map((w) => `- **${w.kind.replace('_', ' ')}**: ${w.message}`), '']
      : []),
    `Replayed ${result.replayed.requests.toLocaleString('en-US')} requests (seed ${s.file.seed ?? 1}, ${s.file.days ?? 1} day${(s.file.days ?? 1) > 1 ? 's' : ''} per volume) in ${result.replayed.seconds.toFixed(1)} s.`,
    '',
    '## Cost per day',
    '',
    `| tokens/day | ${options.join(' | ')} | cheapest |`,
    `|---:|${options.map(() => '---:').join('|')}|---|`,
    ...summaryRows(result).map((r) => `| ${r.join(' | ')} |`),
    '',
    'Charts: [report.html](report.html). As data: [summary.json](summary.json).',
    '',
    '## Crossovers',
    '',
    ...crossoverLines(result).map((l) => `- ${l}`),
    '',
    ...(result.sensitivity ? ['## How sure', '', ...sensitivityLines(result).map((l) => `- ${l}`), ''] : []),
    ...(result.cache ? ['## Response cache', '', ...cacheLines(result).map((l) => `- ${l}`), ''] : []),
    '## Cheapest option by volume',
    '',
    ...bandLines(result).map((l) => `- ${l}`),
    '',
    ...(sensitive ? ['## Sensitive data', '', `- ${sensitive}`, ''] : []),
    ...outageSection(result),
    ...(result.live
      ? [
          '## Live: measured through a real gateway',
          '',
          "Mock upstreams with each route kind's latency profile, a Switchyard gateway per option, the scenario's requests sent through it time-compressed (table `live_requests`).",
          '',
          `| ${LIVE_HEAD.join(' | ')} |`,
          `|${LIVE_HEAD.map(() => '---').join('|')}|`,
          ...liveRows(result).map((r) => `| ${r.join(' | ')} |`),
          '',
        ]
      : []),
    ...publishedSection(result),
    '## Options',
    '',
    ...s.options.map(
      (o) =>
        `- **${o.id}**: ${o.label}${o.fixedPerDay.length ? `; fixed ${o.fixedPerDay.map((f) => `${f.name} $${formatUsd(f.pico, 2)}/day`).join(', ')}` : ''}${o.capacity.length ? `; capacity ${o.capacity.map((c) => `${c.name} per ${c.per_unit.toLocaleString('en-US')} ${c.metric.replace(/_/g, ' ')}${c.measured ? ' (measured live)' : ''}`).join(', ')}` : ''}`,
    ),
    '',
    "Each option replays the same requests through Switchyard's planner; cost per day = token cost at the serving route's price + fixed costs + capacity steps sized by the peak hour. The DuckDB file beside this report holds every request (`requests_named`).",
    '',
  ].join('\n');
}

export function csvReport(result: ScenarioResult): string {
  const header =
    'option,tokens_per_day,realized_tokens_per_day,requests_per_day,token_cost_usd,fixed_usd,capacity_usd,total_usd,capacity_units,aggregator_requests,direct_requests,onprem_requests,denied,sensitive,sensitive_onprem,cache_hits,cache_saved_usd';
  const rows = result.costs.map((c) =>
    [
      c.option,
      c.tokensPerDay,
      c.realizedTokensPerDay,
      c.requestsPerDay,
      formatUsd(c.tokenPico, 6),
      formatUsd(c.fixedPico, 6),
      formatUsd(c.capacityPico, 6),
      formatUsd(c.totalPico, 6),
      `"${c.capacityUnits.map((u) => `${u.name}=${u.units}`).join(';')}"`,
      c.byKind.aggregator,
      c.byKind.direct,
      c.byKind.onprem,
      c.denied,
      c.sensitive,
      c.sensitiveOnPrem,
      c.cached,
      formatUsd(c.savedPico, 6),
    ].join(','),
  );
  return [header, ...rows].join('\n') + '\n';
}

/** Writes report.md, report.html (self-contained, its charts inline), results.csv and summary.json into `dir`. */
export function writeReports(result: ScenarioResult, dir: string): string[] {
  const files = {
    'report.md': markdownReport(result),
    'report.html': htmlReport(result),
    'results.csv': csvReport(result),
    'summary.json': `${JSON.stringify(scenarioSummary(result), null, 2)}\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Object.keys(files).map((f) => join(dir, f));
}
