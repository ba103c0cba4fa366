import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { count, localTime, ms, utcTime } from './format.js';
import { html } from './html.js';

interface RouteRow {
  id: string;
  kind: string;
  clearance: string;
  circuit: string;
  in_flight: number;
  rate_limited: string | null;
  configured_p95_ms: number | null;
  observed: Record<string, { p50_ms: number; p95_ms: number; samples: number }>;
}
interface Failure {
  ts: number;
  request_id: string;
  tenant: string;
  model: string;
  status: number;
  error_code: string | null;
}

export function RoutesPage() {
  const [data, setData] = useState<{ routes: RouteRow[]; recent_failures: Failure[] } | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    const load = () =>
      api<{ routes: RouteRow[]; recent_failures: Failure[] }>('/ui/api/routes').then(setData, (e: Error) =>
        setError(e.message),
      );
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);
  if (error) return html`<p role="alert">${error}</p>`;
  if (!data) return html`<p aria-busy="true">Loading…</p>`;
  return html` <h2>Routes</h2>
    <table data-testid="routes">
      <thead>
        <tr>
          <th>route</th>
          <th>kind</th>
          <th>clearance</th>
          <th>circuit</th>
          <th class="num">in flight</th>
          <th>at a limit</th>
          <th>observed p95 (per model)</th>
          <th class="num">configured p95</th>
        </tr>
      </thead>
      <tbody>
        ${data.routes.map(
          (r) =>
            html`<tr>
              <td>${r.id}</td>
              <td>${r.kind}</td>
              <td>${r.clearance}</td>
              <td><span class=${`pill ${r.circuit}`}>${r.circuit}</span></td>
              <td class="num">${count(r.in_flight)}</td>
              <td>${r.rate_limited ?? '—'}</td>
              <td>
                ${Object.entries(r.observed).map(([m, l]) => html`<div>${m}: ${ms(l.p95_ms)} (${count(l.samples)} samples)</div>`)}
              </td>
              <td class="num">${ms(r.configured_p95_ms)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Last failures</h2>
    ${
      data.recent_failures.length === 0
        ? html`<p class="empty">No failed requests in the log.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>time</th>
                <th>tenant</th>
                <th>model</th>
                <th class="num">status</th>
                <th>reason</th>
              </tr>
            </thead>
            <tbody>
              ${data.recent_failures.slice(0, 20).map(
                (f) =>
                  html`<tr>
                    <td title=${utcTime(f.ts)}>${localTime(f.ts)}</td>
                    <td>${f.tenant}</td>
                    <td>${f.model}</td>
                    <td class="num">${f.status}</td>
                    <td>${f.error_code ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}
