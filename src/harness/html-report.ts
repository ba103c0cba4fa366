import { picoToUsdNumber } from '../engine/money.js';
import type { PointCost } from './daily-costs.js';
import {
  bracketText,
  cacheLines,
  LIVE_HEAD,
  liveRows,
  sensitiveLine,
  sensitivityLines,
  tokensLabel,
  usdNumber,
} from './report-format.js';
import type { ScenarioResult } from './run-scenario.js';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'];
const PARTS = [
  { key: 'tokenPico', label: 'tokens', colour: '#4c78a8' },
  { key: 'fixedPico', label: 'fixed', colour: '#f58518' },
  { key: 'capacityPico', label: 'capacity', colour: '#54a24b' },
] as const;
const DAYS_PER_MONTH = 365 / 12;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const dollars = (pico: bigint, factor = 1) => usdNumber(picoToUsdNumber(pico) * factor, factor === 1 ? 2 : 0);

interface Ctx {
  readonly result: ScenarioResult;
  readonly ids: readonly string[];
  readonly colour: (id: string) => string;
  readonly at: (id: string, v: number) => PointCost;
  readonly cheapest: (v: number) => PointCost;
}

/** The answer first: who is cheapest where, where they cross, what a month costs and saves at the swept volumes. */
function headline(c: Ctx): string {
  const { result } = c;
  const bands = result.bands.map(
    (b) =>
      `<li><strong style="color:${c.colour(b.option)}">${esc(b.option)}</strong> is cheapest from ${tokensLabel(b.from)} to ${tokensLabel(b.to)} tokens/day</li>`,
  );
  const crossings = result.crossovers.map(
    (x) =>
      `<li><strong>${esc(x.a)}</strong> and <strong>${esc(x.b)}</strong> cross at <strong>≈${tokensLabel(x.tokensPerDay)} tokens/day</strong>${esc(bracketText(x.bracket))}: ${esc(x.cheaperBelow)} is cheaper below, ${esc(x.cheaperAbove)} above</li>`,
  );
  // What choosing the cheapest saves a month against the next cheapest, at each swept volume.
  const savings = result.sweep.map((v) => {
    const sorted = c.ids.map((id) => c.at(id, v)).sort((a, b) => (a.totalPico < b.totalPico ? -1 : 1));
    const [best, next] = sorted as [PointCost, PointCost | undefined];
    const gap = next
      ? `saves ${dollars(next.totalPico - best.totalPico, DAYS_PER_MONTH)} a month against ${esc(next.option)} (${dollars(next.totalPico, DAYS_PER_MONTH)})`
      : '';
    return `<tr><td>${tokensLabel(v)}</td><td style="color:${c.colour(best.option)}"><strong>${esc(best.option)}</strong></td><td>${dollars(best.totalPico, DAYS_PER_MONTH)}</td><td>${gap}</td></tr>`;
  });
  const sure = sensitivityLines(result).map((l) => `<li>How sure: ${esc(l)}</li>`);
  sure.push(...cacheLines(result).map((l) => `<li>Response cache: ${esc(l)}</li>`));
  return `<section class="headline"><h2>The answer</h2><ul>${bands.join('')}${crossings.length ? crossings.join('') : '<li>no crossover in the swept range</li>'}${sure.join('')}</ul>
<table><thead><tr><th>tokens/day</th><th>cheapest</th><th>per month</th><th>by how much</th></tr></thead><tbody>${savings.join('')}</tbody></table></section>`;
}

function warningsBox(c: Ctx): string {
  if (c.result.warnings.length === 0) return '';
  return `<section class="warnings"><h2>Read this first</h2><ul>${c.result.warnings.map((w) => `<li><strong>${esc(w.kind.replace('_', ' '))}</strong>: ${esc(w.message)}</li>`).join('')}</ul></section>`;
}

/**
 * Each option's cost relative to the cheapest at each volume, linear in percent: a 10 % gap is a tenth of the height.
 */
function relativeChart(c: Ctx): string {
  const W = 760;
  const H = 360;
  const m = { l: 60, r: 20, t: 20, b: 50 };
  const points = [...new Set(c.result.costs.map((p) => p.tokensPerDay))].sort((a, b) => a - b);
  const rel = (id: string, v: number) => {
    const cheapest = picoToUsdNumber(c.cheapest(v).totalPico);
    return cheapest > 0 ? (picoToUsdNumber(c.at(id, v).totalPico) / cheapest - 1) * 100 : 0;
  };
  const maxRel = Math.max(10, ...c.ids.flatMap((id) => points.map((v) => rel(id, v))));
  const top = Math.min(400, Math.ceil(maxRel / 10) * 10);
  const [x0, x1] = [Math.log10(points[0]!), Math.log10(points.at(-1)!)];
  const X = (v: number) => m.l + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const Y = (pct: number) => H - m.b - (Math.min(pct, top) / top) * (H - m.t - m.b);
  const out = [
    `<svg class="chart" role="img" aria-label="cost relative to the cheapest option" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  ];
  for (let pct = 0; pct <= top; pct += top <= 50 ? 5 : top <= 100 ? 10 : 50)
    out.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(pct)}" y2="${Y(pct)}" stroke="#eee"/><text x="${m.l - 6}" y="${Y(pct) + 4}" text-anchor="end">+${pct} %</text>`,
    );
  for (const v of c.result.sweep)
    out.push(`<text x="${X(v)}" y="${H - m.b + 16}" text-anchor="middle">${tokensLabel(v)}</text>`);
  out.push(`<text x="${(W + m.l) / 2}" y="${H - 12}" text-anchor="middle">tokens per day (log scale)</text>`);
  c.ids.forEach((id) => {
    const pts = points.map((v) => `${X(v).toFixed(1)},${Y(rel(id, v)).toFixed(1)}`).join(' ');
    out.push(
      `<polyline class="series" data-option="${esc(id)}" fill="none" stroke="${c.colour(id)}" stroke-width="2.5" points="${pts}"><title>${esc(id)}</title></polyline>`,
    );
  });
  c.result.crossovers.forEach((x, i) => {
    // Labels one under another, so two crossovers close together stay readable.
    const anchor = X(x.tokensPerDay) > W / 2 ? 'end' : 'start';
    const dx = anchor === 'end' ? -4 : 4;
    out.push(
      `<line x1="${X(x.tokensPerDay)}" x2="${X(x.tokensPerDay)}" y1="${m.t}" y2="${H - m.b}" stroke="#333" stroke-dasharray="4 3"/><text x="${X(x.tokensPerDay) + dx}" y="${m.t + 12 + i * 14}" font-size="11" text-anchor="${anchor}">${esc(`${x.a} × ${x.b}`)} ≈${tokensLabel(x.tokensPerDay)}</text>`,
    );
  });
  out.push('</svg>');
  const legend = c.ids
    .map((id) => `<span class="key"><i style="background:${c.colour(id)}"></i>${esc(id)}</span>`)
    .join(' ');
  return `<section><h2>How much dearer than the cheapest</h2><p>0 % is the cheapest option at that volume; each line is how much more an option costs there.</p>${out.join('')}<p class="legend">${legend}</p></section>`;
}

/** What each option's day is made of (tokens, fixed, capacity) at the smallest, a middle and the largest volume. */
function breakdownChart(c: Ctx): string {
  const sweep = c.result.sweep;
  const volumes = [...new Set([sweep[0]!, sweep[Math.floor(sweep.length / 2)]!, sweep.at(-1)!])];
  const rows = volumes.flatMap((v) => c.ids.map((id) => ({ v, cost: c.at(id, v) })));
  const W = 760;
  const rowH = 22;
  const m = { l: 190, r: 110, t: 10 };
  const H = m.t + rows.length * (rowH + 4) + volumes.length * 14 + 10;
  const out = [
    `<svg class="chart" role="img" aria-label="cost breakdown" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  ];
  let y = m.t;
  for (const v of volumes) {
    const group = rows.filter((r) => r.v === v);
    const max = Math.max(...group.map((r) => picoToUsdNumber(r.cost.totalPico)), 1e-9);
    out.push(`<text x="4" y="${y + 11}" font-weight="bold">${tokensLabel(v)} tokens/day</text>`);
    y += 14;
    for (const r of group) {
      let x = m.l;
      out.push(`<text x="${m.l - 6}" y="${y + 15}" text-anchor="end">${esc(r.cost.option)}</text>`);
      for (const part of PARTS) {
        const usd = picoToUsdNumber(r.cost[part.key]);
        const w = (usd / max) * (W - m.l - m.r);
        if (w > 0)
          out.push(
            `<rect class="part" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH}" fill="${part.colour}"><title>${part.label}: ${usdNumber(usd)}/day</title></rect>`,
          );
        x += w;
      }
      out.push(`<text x="${x + 6}" y="${y + 15}">${dollars(r.cost.totalPico)}/day</text>`);
      y += rowH + 4;
    }
  }
  out.push('</svg>');
  const legend = PARTS.map((p) => `<span class="key"><i style="background:${p.colour}"></i>${p.label}</span>`).join(
    ' ',
  );
  return `<section><h2>What a day costs, by part</h2>${out.join('')}<p class="legend">${legend}</p></section>`;
}

/**
 * Per crossover: how far each uncertain input moves it, its range's low end to the left of the base and high to the
 * right.
 */
function tornadoCharts(c: Ctx): string {
  const list = c.result.sensitivity ?? [];
  if (list.length === 0) return '';
  const charts = list.map((s) => {
    const W = 760;
    const rowH = 24;
    const m = { l: 260, r: 40, t: 26, b: 30 };
    const H = m.t + s.bars.length * (rowH + 6) + m.b;
    const values = [s.base, ...s.bars.flatMap((b) => [b.atLow, b.atHigh]).filter((v): v is number => v !== null)];
    const [lo, hi] = [Math.log10(Math.min(...values) / 1.1), Math.log10(Math.max(...values) * 1.1)];
    const X = (v: number) => m.l + ((Math.log10(v) - lo) / (hi - lo || 1)) * (W - m.l - m.r);
    const out = [
      `<svg class="chart tornado" role="img" aria-label="what moves the crossover" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    ];
    out.push(
      `<text x="${m.l}" y="14" font-weight="bold">${esc(`${s.pair[0]} × ${s.pair[1]}`)}: ${tokensLabel(s.base)} tokens/day with every input at its middle</text>`,
    );
    s.bars.forEach((b, i) => {
      const y = m.t + i * (rowH + 6);
      out.push(`<text x="${m.l - 6}" y="${y + 16}" text-anchor="end">${esc(b.input)}</text>`);
      for (const [end, value, colour] of [
        [b.low, b.atLow, '#4c78a8'],
        [b.high, b.atHigh, '#e45756'],
      ] as const) {
        const to = value ?? (colour === '#4c78a8' ? 10 ** lo : 10 ** hi);
        const [x1, x2] = [Math.min(X(s.base), X(to)), Math.max(X(s.base), X(to))];
        out.push(
          `<rect class="bar" x="${x1.toFixed(1)}" y="${y}" width="${Math.max(1, x2 - x1).toFixed(1)}" height="${rowH}" fill="${colour}" opacity="${value === null ? 0.35 : 0.85}"><title>${esc(`${b.input} = ${end}: ${value === null ? 'no crossing' : `${tokensLabel(value)} tokens/day`}`)}</title></rect>`,
        );
        out.push(
          `<text x="${(X(to) + (X(to) < X(s.base) ? -4 : 4)).toFixed(1)}" y="${y + 16}" font-size="11" text-anchor="${X(to) < X(s.base) ? 'end' : 'start'}">${end}: ${value === null ? 'none' : tokensLabel(value)}</text>`,
        );
      }
    });
    out.push(`<line x1="${X(s.base)}" x2="${X(s.base)}" y1="${m.t - 4}" y2="${H - m.b + 4}" stroke="#000"/>`);
    if (s.interval)
      out.push(
        `<line x1="${X(s.interval[0])}" x2="${X(s.interval[1])}" y1="${H - 12}" y2="${H - 12}" stroke="#333" stroke-width="4"/><text x="${X(s.interval[0]) - 6}" y="${H - 8}" font-size="11" text-anchor="end">90 % of draws: ${tokensLabel(s.interval[0])}–${tokensLabel(s.interval[1])}</text>`,
      );
    out.push('</svg>');
    return out.join('');
  });
  return `<section><h2>How sure: what moves each crossover</h2><p>Each bar sweeps one input across its range with the others at their middles (blue: the low end, red: the high end); the line under them is where 90 % of draws of every range at once put the crossover.</p>${charts.join('')}</section>`;
}

function totalsTable(c: Ctx): string {
  const head = `<tr><th>tokens/day</th>${c.ids.map((id) => `<th>${esc(id)}<br><small>day · month · year</small></th>`).join('')}</tr>`;
  const body = c.result.sweep.map((v) => {
    const cheapest = c.cheapest(v).option;
    const cells = c.ids.map((id) => {
      const p = c.at(id, v);
      return `<td class="${id === cheapest ? 'best' : ''}">${dollars(p.totalPico)}<br><small>${dollars(p.totalPico, DAYS_PER_MONTH)} · ${dollars(p.totalPico, 365)}</small></td>`;
    });
    return `<tr><td>${tokensLabel(v)}</td>${cells.join('')}</tr>`;
  });
  return `<section><h2>Totals</h2><table class="num"><thead>${head}</thead><tbody>${body.join('')}</tbody></table><p><small>The cheapest at each volume is highlighted. A month is 365/12 days.</small></p></section>`;
}

function simpleTable(title: string, head: readonly string[], rows: readonly (readonly string[])[], note = ''): string {
  if (rows.length === 0) return '';
  return `<section><h2>${esc(title)}</h2>${note ? `<p>${esc(note)}</p>` : ''}<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v) => `<td>${esc(v)}</td>`).join('')}</tr>`).join('')}</tbody></table></section>`;
}

/**
 * `report.html`: self-contained (inline CSS and SVG, nothing fetched), from the same result as the markdown. The
 * answer comes first, then the warnings, a chart of each option's cost relative to the cheapest (linear, so a 10 %
 * gap shows), the breakdown of a day's cost, totals per day, month and year, and the details.
 */
export function htmlReport(result: ScenarioResult): string {
  const ids = result.scenario.options.map((o) => o.id);
  const at = (id: string, v: number) => result.costs.find((p) => p.option === id && p.tokensPerDay === v) as PointCost;
  const c: Ctx = {
    result,
    ids,
    colour: (id) => COLOURS[ids.indexOf(id) % COLOURS.length] as string,
    at,
    cheapest: (v) => ids.map((id) => at(id, v)).reduce((best, p) => (p.totalPico < best.totalPico ? p : best)),
  };
  const f = result.scenario.file;
  const published = f.published
    ? simpleTable(
        'Against the published figures',
        ['option', 'tokens/day', 'published $/day', 'replayed $/day'],
        f.published.figures.map((p) => {
          const r = result.costs.find((x) => x.option === p.option && x.tokensPerDay === p.tokens_per_day);
          return [
            p.option,
            tokensLabel(p.tokens_per_day),
            usdNumber(p.usd_per_day),
            r ? dollars(r.totalPico) : '(not replayed)',
          ];
        }),
        `Source: ${f.published.source}`,
      )
    : '';
  const outages = simpleTable(
    'Outages',
    ['option', 'tokens/day', 'requests in the outage', 'denied (all up)', 'token cost', 'all routes up', 'extra'],
    (result.outages ?? []).map((o) => [
      o.option,
      tokensLabel(o.tokensPerDay),
      o.requests.toLocaleString('en-US'),
      `${o.denied} (${o.deniedIfUp})`,
      usdNumber(o.costPico / 1e12, 4),
      usdNumber(o.costIfUpPico / 1e12, 4),
      usdNumber((o.costPico - o.costIfUpPico) / 1e12, 4),
    ]),
    (f.outages ?? []).map((o) => `${o.route} down from hour ${o.from_hour} for ${o.hours} h`).join('; '),
  );
  const options = simpleTable(
    'Options',
    ['option', 'what it is', 'fixed per day', 'capacity'],
    result.scenario.options.map((o) => [
      o.id,
      o.label,
      o.fixedPerDay.map((x) => `${x.name} ${dollars(x.pico)}`).join(', ') || '-',
      o.capacity
        .map(
          (x) =>
            `${x.name}: 1 per ${x.per_unit.toLocaleString('en-US')} ${x.metric.replace(/_/g, ' ')}${x.measured ? ' (measured live, within the SLO)' : ''}`,
        )
        .join(', ') || '-',
    ]),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(f.name)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.3rem .6rem;vertical-align:top}th{background:#f5f5f5}
table.num td{text-align:right}td.best{background:#eaf6ea;font-weight:bold}
.headline{background:#f0f6ff;border:1px solid #b8d4ff;padding:.5rem 1rem;border-radius:6px}.headline h2{border:none;margin-top:.5rem}
.warnings{background:#fff4e5;border:2px solid #f0a030;padding:.5rem 1rem;border-radius:6px}.warnings h2{border:none;margin-top:.5rem;color:#a05000}
svg.chart{width:100%;height:auto;max-width:760px}.legend .key{margin-right:1rem}.legend i{display:inline-block;width:14px;height:4px;margin-right:4px;vertical-align:middle}
small{color:#666}
</style></head>
<body>
<h1>${esc(f.name)}</h1>
${f.description ? `<p>${esc(f.description.trim())}</p>` : ''}
${headline(c)}
${warningsBox(c)}
${relativeChart(c)}
${tornadoCharts(c)}
${breakdownChart(c)}
${totalsTable(c)}
${outages}
${simpleTable('Live: measured through a real gateway', LIVE_HEAD, liveRows(result))}
${sensitiveLine(result) ? `<section><h2>Sensitive data</h2><p>${esc(sensitiveLine(result) as string)}</p></section>` : ''}
${published}
${options}
<p><small>Replayed ${result.replayed.requests.toLocaleString('en-US')} requests through Switchyard's planner (seed ${f.seed ?? 1}, ${f.days ?? 1} day(s) per volume) in ${result.replayed.seconds.toFixed(1)} s. Cost per day = token cost at the serving route's price + fixed costs + capacity bought in steps for the peak hour. <code>summary.json</code> holds these numbers as data; <code>scenario.duckdb</code> every request.</small></p>
</body></html>
`;
}
