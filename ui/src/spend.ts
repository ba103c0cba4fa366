import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { Chart } from './chart.js';
import { count, tokens, usd } from './format.js';
import { html, listed } from './html.js';

interface SpendRow {
  at: number;
  name: string;
  usd: number;
  requests: number;
  tokens: number;
}

export function SpendPage() {
  const [by, setBy] = useState('tenant');
  const [range, setRange] = useState('week');
  const [rows, setRows] = useState<SpendRow[] | undefined>();
  useEffect(
    () => void api<{ rows: SpendRow[] }>(`/ui/api/spend?by=${by}&range=${range}`).then((r) => setRows(r.rows)),
    [by, range],
  );
  const download = async () => {
    const res = await fetch(`/ui/api/spend?by=${by}&range=${range}`, { headers: { accept: 'text/csv' } });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await res.blob());
    link.download = `spend-by-${by}-${range}.csv`;
    link.click();
  };
  const names = [...new Set((rows ?? []).map((r) => r.name))];
  const xs = [...new Set((rows ?? []).map((r) => r.at / 1000))].sort((a, b) => a - b);
  const series = names.map((name) => ({
    label: name,
    values: xs.map((x) => rows?.find((r) => r.name === name && r.at / 1000 === x)?.usd ?? 0),
  }));
  const totals = names
    .map((name) => {
      const mine = (rows ?? []).filter((r) => r.name === name);
      return {
        name,
        usd: mine.reduce((a, r) => a + r.usd, 0),
        requests: mine.reduce((a, r) => a + r.requests, 0),
        tokens: mine.reduce((a, r) => a + r.tokens, 0),
      };
    })
    .sort((a, b) => b.usd - a.usd);
  return html` <form class="filters" onSubmit=${(e: Event) => e.preventDefault()}>
      <label
        >by
        <select value=${by} onChange=${(e: Event) => setBy((e.target as HTMLSelectElement).value)}>
          ${['tenant', 'key', 'model', 'route', 'tag'].map((d) => html`<option value=${d}>${d}</option>`)}
        </select></label
      >
      <label
        >over
        <select value=${range} onChange=${(e: Event) => setRange((e.target as HTMLSelectElement).value)}>
          <option value="day">a day</option>
          <option value="week">a week</option>
          <option value="month">a month</option>
        </select></label
      >
      <button type="button" onClick=${download}>Download CSV</button>
    </form>
    ${listed(
      rows,
      'No spend logged in this range yet.',
      () =>
        html`<${Chart}
            title=${`Spend by ${by}, per ${range === 'day' ? 'hour' : 'day'}`}
            yLabel="USD"
            time=${true}
            x=${xs}
            series=${series}
          />
          <table data-testid="spend-table">
            <thead>
              <tr>
                <th>${by}</th>
                <th class="num">spend</th>
                <th class="num">requests</th>
                <th class="num">tokens</th>
              </tr>
            </thead>
            <tbody>
              ${totals.map(
                (t) =>
                  html`<tr>
                    <td>${t.name}</td>
                    <td class="num">${usd(t.usd)}</td>
                    <td class="num">${count(t.requests)}</td>
                    <td class="num">${tokens(t.tokens)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`,
    )}`;
}
