import { useEffect, useState } from 'preact/hooks';
import { Chart } from './chart.js';
import { count, ms, pct, usd } from './format.js';
import { html } from './html.js';

interface Overview {
  at: number;
  live: {
    perSecond: number[];
    errors: Record<string, number>;
    byKind: Record<string, number>;
    byLevel: Record<string, number>;
    latency: Record<string, { p50: number | null; p95: number | null; n: number }>;
  };
  requests_total: number;
  denied_total: Record<string, number>;
  spend: { tenant: string; today_usd: number; reserved_usd: number; daily_limit_usd: number | null }[];
  /** With `cache:` in the config: each tenant's hits, misses and savings since this instance started. */
  cache?: { tenant: string; hits: number; misses: number; bypasses: number; saved_usd: number }[];
}

/** The response cache's hit rate (hits among the requests it could answer) and what the hits saved, per tenant. */
function CacheSection({ rows }: { rows: NonNullable<Overview['cache']> }) {
  return html`<section aria-label="Response cache">
    <h2>Response cache, since start</h2>
    ${
      rows.length === 0
        ? html`<p class="empty">No request has used the cache yet.</p>`
        : html`<table data-testid="cache">
            <thead>
              <tr>
                <th>tenant</th>
                <th class="num">hits</th>
                <th class="num">misses</th>
                <th class="num">bypassed</th>
                <th class="num">hit rate</th>
                <th class="num">saved</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (c) =>
                  html`<tr data-tenant=${c.tenant}>
                    <td>${c.tenant}</td>
                    <td class="num">${count(c.hits)}</td>
                    <td class="num">${count(c.misses)}</td>
                    <td class="num">${count(c.bypasses)}</td>
                    <td class="num" data-testid="hit-rate">${pct(c.hits, c.hits + c.misses)}</td>
                    <td class="num">${usd(c.saved_usd)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

const shares = (m: Record<string, number>) => {
  const total = Object.values(m).reduce((a, b) => a + b, 0);
  return Object.entries(m)
    .sort(([, a], [, b]) => b - a)
    .map(
      ([k, n]) =>
        html`<tr>
          <td>${k}</td>
          <td class="num">${count(n)}</td>
          <td class="num">${pct(n, total)}</td>
        </tr>`,
    );
};

/** Live: server-sent events, one overview a second. */
export function OverviewPage() {
  const [data, setData] = useState<Overview | undefined>();
  useEffect(() => {
    const source = new EventSource('/ui/api/live');
    source.onmessage = (e) => setData(JSON.parse(e.data as string) as Overview);
    return () => source.close();
  }, []);
  if (!data) return html`<p aria-busy="true">Connecting…</p>`;
  const last = data.live.perSecond.at(-1) ?? 0;
  const lastTen = data.live.perSecond.slice(-10).reduce((a, b) => a + b, 0) / 10;
  const minute = data.live.perSecond.reduce((a, b) => a + b, 0);
  const xs = data.live.perSecond.map((_, i) => Math.floor(data.at / 1000) - data.live.perSecond.length + i);
  return html` <section aria-label="Traffic">
      <div class="cards">
        <div class="card">
          <span class="label">requests/s (last second)</span><strong data-testid="rps">${count(last)}</strong>
        </div>
        <div class="card">
          <span class="label">requests/s (10 s average)</span><strong>${lastTen.toFixed(1)}</strong>
        </div>
        <div class="card"><span class="label">last minute</span><strong>${count(minute)}</strong></div>
        <div class="card">
          <span class="label">since start</span
          ><strong data-testid="requests-total">${count(data.requests_total)}</strong>
        </div>
      </div>
      ${
        minute === 0 && data.requests_total === 0
          ? html`<p class="empty">
              No traffic yet. Send a request through the gateway (<code>POST /v1/chat/completions</code> with a tenant
              key) and it shows here within a second.
            </p>`
          : html`<${Chart}
              title="Requests per second, last minute"
              yLabel="req/s"
              time=${true}
              x=${xs}
              series=${[{ label: 'requests', values: data.live.perSecond }]}
            />`
      }
    </section>
    <div class="grid">
      <section aria-label="Spend today">
        <h2>Spend today against budget</h2>
        <table data-testid="spend">
          <thead>
            <tr>
              <th>tenant</th>
              <th class="num">spent</th>
              <th class="num">held</th>
              <th class="num">daily budget</th>
              <th>used</th>
            </tr>
          </thead>
          <tbody>
            ${data.spend.map(
              (s) =>
                html`<tr data-tenant=${s.tenant}>
                  <td>${s.tenant}</td>
                  <td class="num">${usd(s.today_usd)}</td>
                  <td class="num">${usd(s.reserved_usd)}</td>
                  <td class="num">${usd(s.daily_limit_usd)}</td>
                  <td>
                    ${s.daily_limit_usd ? html`<meter min="0" max=${s.daily_limit_usd} value=${s.today_usd}>${pct(s.today_usd, s.daily_limit_usd)}</meter>` : '—'}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <section aria-label="Errors and denials">
        <h2>Errors and denials, last minute</h2>
        ${
          Object.keys(data.live.errors).length === 0
            ? html`<p class="empty">None.</p>`
            : html`<table>
                <thead>
                  <tr>
                    <th>code</th>
                    <th class="num">requests</th>
                    <th class="num">share</th>
                  </tr>
                </thead>
                <tbody>
                  ${shares(data.live.errors)}
                </tbody>
              </table>`
        }
      </section>
      <section aria-label="Latency by route">
        <h2>Latency by route, last minute</h2>
        <table>
          <thead>
            <tr>
              <th>route</th>
              <th class="num">p50</th>
              <th class="num">p95</th>
              <th class="num">requests</th>
            </tr>
          </thead>
          <tbody>
            ${Object.entries(data.live.latency).map(
              ([route, l]) =>
                html`<tr>
                  <td>${route}</td>
                  <td class="num">${ms(l.p50)}</td>
                  <td class="num">${ms(l.p95)}</td>
                  <td class="num">${count(l.n)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>
      <section aria-label="Traffic by route kind and level">
        <h2>By route kind</h2>
        <table>
          <tbody>
            ${shares(data.live.byKind)}
          </tbody>
        </table>
        <h2>By sensitivity level</h2>
        <table>
          <tbody>
            ${shares(data.live.byLevel)}
          </tbody>
        </table>
      </section>
      ${data.cache ? html`<${CacheSection} rows=${data.cache} />` : ''}
    </div>`;
}
