import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatUsd } from '../engine/money.js';
import type { PointCost } from './daily-costs.js';
import { bandLines, costNumber, crossoverLines, LIVE_HEAD, liveRows, sensitiveLine, summaryRows, tokensLabel, usd } from './report-format.js';
import type { ScenarioResult } from './run-scenario.js';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What the published figures say beside what their inputs give when replayed. */
function publishedSection(result: ScenarioResult): string[] {
  const p = result.scenario.file.published;
  if (!p) return [];
  const lines = ['## Against the published figures', '', `Source: ${p.source}`, '', '| option | tokens/day | published $/day | replayed $/day |', '|---|---:|---:|---:|'];
  for (const f of p.figures) {
    const replayed = result.costs.find((c) => c.option === f.option && c.tokensPerDay === f.tokens_per_day);
    lines.push(`| ${f.option} | ${tokensLabel(f.tokens_per_day)} | $${f.usd_per_day.toFixed(2)} | ${replayed ? usd(replayed.totalPico) : '(not replayed)'} |`);
  }
  if (p.crossover_claim) {
    const ids = new Set(p.figures.map((f) => f.option));
    const implied = result.crossovers.filter((c) => ids.has(c.a) && ids.has(c.b));
    const claim = p.crossover_claim;
    lines.push('', `The source claims the crossover is "${claim.text}".`);
    if (implied.length === 0) lines.push('Replayed with the source\'s own inputs, the options do not cross in the swept range: **the inputs do not support the claim.**');
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

/** What the scenario's outages cost each option: the requests during them, failed over or denied, against every route up. */
function outageSection(result: ScenarioResult): string[] {
  const rows = result.outages;
  if (!rows) return [];
  const windows = (result.scenario.file.outages ?? []).map((o) => `${o.route} from hour ${o.from_hour} for ${o.hours} h`).join('; ');
  const usd = (pico: number) => `$${(pico / 1e12).toFixed(4)}`;
  return [
    '## Outages',
    '',
    `Routes down: ${windows}. The requests in those hours were planned with the routes' circuits open (failing over to the next route or model, or denied), and again with every route up.`,
    '',
    '| option | tokens/day | requests in the outage | denied (all up) | token cost | all up | extra |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.option} | ${r.tokensPerDay.toLocaleString('en-US')} | ${r.requests.toLocaleString('en-US')} | ${r.denied} (${r.deniedIfUp}) | ${usd(r.costPico)} | ${usd(r.costIfUpPico)} | ${usd(r.costPico - r.costIfUpPico)} |`),
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
    `Replayed ${result.replayed.requests.toLocaleString('en-US')} requests (seed ${s.file.seed ?? 1}, ${s.file.days ?? 1} day${(s.file.days ?? 1) > 1 ? 's' : ''} per volume) in ${result.replayed.seconds.toFixed(1)} s.`,
    '',
    '## Cost per day',
    '',
    `| tokens/day | ${options.join(' | ')} | cheapest |`,
    `|---:|${options.map(() => '---:').join('|')}|---|`,
    ...summaryRows(result).map((r) => `| ${r.join(' | ')} |`),
    '',
    '![cost per day](report.html)',
    '',
    '## Crossovers',
    '',
    ...crossoverLines(result).map((l) => `- ${l}`),
    '',
    '## Cheapest option by volume',
    '',
    ...bandLines(result).map((l) => `- ${l}`),
    '',
    ...(sensitive ? ['## Sensitive data', '', `- ${sensitive}`, ''] : []),
    ...outageSection(result),
    ...(result.live
      ? ['## Live: measured through a real gateway', '', 'Mock upstreams with each route kind\'s latency profile, a Switchyard gateway per option, the scenario\'s requests sent through it time-compressed (table `live_requests`).', '', `| ${LIVE_HEAD.join(' | ')} |`, `|${LIVE_HEAD.map(() => '---').join('|')}|`, ...liveRows(result).map((r) => `| ${r.join(' | ')} |`), '']
      : []),
    ...publishedSection(result),
    '## Options',
    '',
    ...s.options.map((o) => `- **${o.id}**: ${o.label}${o.fixedPerDay.length ? `; fixed ${o.fixedPerDay.map((f) => `${f.name} $${formatUsd(f.pico, 2)}/day`).join(', ')}` : ''}${o.capacity.length ? `; capacity ${o.capacity.map((c) => `${c.name} per ${c.per_unit} ${c.metric.replace(/_/g, ' ')}`).join(', ')}` : ''}`),
    '',
    'Each option replays the same requests through Switchyard\'s planner; cost per day = token cost at the serving route\'s price + fixed costs + capacity steps sized by the peak hour. The DuckDB file beside this report holds every request (`requests_named`).',
    '',
  ].join('\n');
}

/** Cost per day against tokens per day, both log scale, crossovers marked. */
export function svgChart(result: ScenarioResult): string {
  const W = 760;
  const H = 440;
  const m = { l: 70, r: 160, t: 20, b: 50 };
  const xs = result.costs.map((c) => c.tokensPerDay);
  const ys = result.costs.map(costNumber).filter((y) => y > 0);
  const [x0, x1] = [Math.log10(Math.min(...xs)), Math.log10(Math.max(...xs))];
  const [y0, y1] = [Math.floor(Math.log10(Math.min(...ys))), Math.ceil(Math.log10(Math.max(...ys)))];
  const X = (v: number) => m.l + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const Y = (v: number) => H - m.b - ((Math.log10(Math.max(v, 10 ** y0)) - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`];
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`);
  for (let e = y0; e <= y1; e++) parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(10 ** e)}" y2="${Y(10 ** e)}" stroke="#eee"/><text x="${m.l - 6}" y="${Y(10 ** e) + 4}" text-anchor="end">$${(10 ** e).toLocaleString('en-US')}</text>`);
  for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) parts.push(`<line y1="${m.t}" y2="${H - m.b}" x1="${X(10 ** e)}" x2="${X(10 ** e)}" stroke="#eee"/><text x="${X(10 ** e)}" y="${H - m.b + 16}" text-anchor="middle">${tokensLabel(10 ** e)}</text>`);
  parts.push(`<text x="${(W - m.r + m.l) / 2}" y="${H - 10}" text-anchor="middle">tokens per day (log)</text><text x="16" y="${(H - m.b) / 2}" transform="rotate(-90 16 ${(H - m.b) / 2})" text-anchor="middle">cost per day, USD (log)</text>`);
  result.scenario.options.forEach((o, i) => {
    const pts = result.costs.filter((c) => c.option === o.id).map((c) => `${X(c.tokensPerDay).toFixed(1)},${Y(costNumber(c)).toFixed(1)}`);
    const colour = COLOURS[i % COLOURS.length];
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(' ')}"/>`);
    parts.push(`<rect x="${W - m.r + 12}" y="${m.t + 8 + i * 18}" width="12" height="3" fill="${colour}"/><text x="${W - m.r + 30}" y="${m.t + 13 + i * 18}">${escapeHtml(o.id)}</text>`);
  });
  for (const c of result.crossovers) {
    const at = result.costs.filter((p: PointCost) => p.option === c.a).reduce((best, p) => (Math.abs(p.tokensPerDay - c.tokensPerDay) < Math.abs(best.tokensPerDay - c.tokensPerDay) ? p : best));
    parts.push(`<circle cx="${X(c.tokensPerDay)}" cy="${Y(costNumber(at))}" r="5" fill="none" stroke="#000" stroke-width="1.5"><title>${escapeHtml(`${c.a} × ${c.b} ≈ ${tokensLabel(c.tokensPerDay)} tokens/day`)}</title></circle>`);
    parts.push(`<text x="${X(c.tokensPerDay) + 7}" y="${Y(costNumber(at)) - 7}" font-size="11">${tokensLabel(c.tokensPerDay)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export function htmlReport(result: ScenarioResult, markdown: string): string {
  const body = markdown
    .split('\n')
    .filter((l) => !l.startsWith('![cost per day]'))
    .map((l) => escapeHtml(l))
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(result.scenario.file.name)}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{white-space:pre-wrap;font-size:13px}</style></head>
<body><h1>${escapeHtml(result.scenario.file.name)}</h1>
${svgChart(result)}
<pre>${body}</pre></body></html>
`;
}

export function csvReport(result: ScenarioResult): string {
  const header = 'option,tokens_per_day,realized_tokens_per_day,requests_per_day,token_cost_usd,fixed_usd,capacity_usd,total_usd,capacity_units,aggregator_requests,direct_requests,onprem_requests,denied,sensitive,sensitive_onprem';
  const rows = result.costs.map((c) =>
    [c.option, c.tokensPerDay, c.realizedTokensPerDay, c.requestsPerDay, formatUsd(c.tokenPico, 6), formatUsd(c.fixedPico, 6), formatUsd(c.capacityPico, 6), formatUsd(c.totalPico, 6), `"${c.capacityUnits.map((u) => `${u.name}=${u.units}`).join(';')}"`, c.byKind.aggregator, c.byKind.direct, c.byKind.onprem, c.denied, c.sensitive, c.sensitiveOnPrem].join(','),
  );
  return [header, ...rows].join('\n') + '\n';
}

/** Writes report.md, report.html (with its SVG chart) and results.csv into `dir`. */
export function writeReports(result: ScenarioResult, dir: string): string[] {
  const markdown = markdownReport(result);
  const files = { 'report.md': markdown, 'report.html': htmlReport(result, markdown), 'results.csv': csvReport(result) };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Object.keys(files).map((f) => join(dir, f));
}
