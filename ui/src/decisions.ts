import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { count, localTime, ms, usd, utcTime } from './format.js';
import { html, listed } from './html.js';

interface Row {
  ts: number;
  request_id: string;
  tenant: string;
  key_id: string | null;
  model: string;
  route: string | null;
  route_kind: string | null;
  tags: string[];
  sensitivity: string;
  status: number;
  error_code: string | null;
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}
interface Detail extends Row {
  rules: string[];
  attempts: string;
  excluded: string | null;
  expected_cost_usd: number | null;
  requested_model: string;
  upstream_model: string | null;
  residency: string[];
}

const FILTERS = ['tenant', 'model', 'route', 'tag', 'level'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number] | 'outcome', string>>;

function query(filters: Filters, before?: Row): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
  if (before) {
    q.set('before_ts', String(before.ts));
    q.set('before_id', before.request_id);
  }
  return q.toString();
}

/** One logged request: the same explanation `switchyard explain` prints, from the row the gateway wrote. */
function DecisionDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const [d, setD] = useState<Detail | undefined>();
  useEffect(() => void api<Detail>(`/ui/api/decisions/${encodeURIComponent(id)}`).then(setD), [id]);
  if (!d) return html`<aside class="detail" aria-busy="true">Loading…</aside>`;
  const attempts = JSON.parse(d.attempts) as { route: string; status: number | string; ms: number }[];
  const excluded = d.excluded ? (JSON.parse(d.excluded) as { route: string; reason: string; detail: string }[]) : [];
  return html`<aside class="detail" aria-label="Decision" data-testid="decision">
    <button class="close" onClick=${onClose} aria-label="Close">×</button>
    <h2>
      ${d.requested_model} → ${d.route ?? 'no route'} <small>(${d.sensitivity || 'refused before planning'})</small>
    </h2>
    <p>
      ${d.tenant}${d.key_id ? ` · key ${d.key_id}` : ''} · <span title=${utcTime(d.ts)}>${localTime(d.ts)}</span> ·
      status ${d.status}${d.error_code ? ` (${d.error_code})` : ''}
    </p>
    <p>
      Tags:
      ${d.tags.length ? d.tags.join(', ') : 'none'}${d.residency.length ? ` · must stay in ${d.residency.join(' or ')}` : ''}
    </p>
    <h3>Routes tried, in order</h3>
    ${
      attempts.length === 0
        ? html`<p>None.</p>`
        : html`<ol>
            ${attempts.map((a) => html`<li>${a.route}: ${a.status} in ${ms(a.ms)}</li>`)}
          </ol>`
    }
    <h3>Routes left out, and why</h3>
    ${
      excluded.length === 0
        ? html`<p>None: every route could take it.</p>`
        : html`<ul data-testid="excluded">
            ${excluded.map((e) => html`<li><strong>${e.route}</strong> — ${e.reason}: ${e.detail}</li>`)}
          </ul>`
    }
    <h3>Rules that fired</h3>
    <p>${d.rules.length ? d.rules.join(', ') : 'none'}</p>
    <h3>Cost</h3>
    <p>
      expected ${usd(d.expected_cost_usd)} · actual ${usd(d.cost_usd)} · ${count(d.input_tokens)} tokens in,
      ${count(d.output_tokens)} out${d.upstream_model ? ` · served as ${d.upstream_model}` : ''}
    </p>
  </aside>`;
}

export function DecisionsPage() {
  const [filters, setFilters] = useState<Filters>({});
  const [rows, setRows] = useState<Row[] | undefined>();
  const [open, setOpen] = useState<string | undefined>();
  const [more, setMore] = useState(false);
  const load = (before?: Row) =>
    api<{ rows: Row[] }>(`/ui/api/decisions?${query(filters, before)}`).then((r) => {
      setRows((old) => (before ? [...(old ?? []), ...r.rows] : r.rows));
      setMore(r.rows.length === 50);
    });
  useEffect(() => void load(), [filters]);
  const field = (name: keyof Filters) =>
    html`<label
      >${name}
      <input
        name=${name}
        value=${filters[name] ?? ''}
        onChange=${(e: Event) => setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value })}
    /></label>`;
  return html` <form class="filters" onSubmit=${(e: Event) => e.preventDefault()} aria-label="Filters">
      ${FILTERS.map(field)}
      <label
        >outcome
        <select
          name="outcome"
          value=${filters.outcome ?? ''}
          onChange=${(e: Event) => setFilters({ ...filters, outcome: (e.target as HTMLSelectElement).value })}
        >
          <option value="">any</option>
          <option value="ok">answered</option>
          <option value="error">failed</option>
          <option value="refused">refused</option>
        </select></label
      >
    </form>
    ${listed(
      rows,
      'No logged requests match. New requests reach the log within a second.',
      (rows) =>
        html`<table class="rows" data-testid="decisions">
            <thead>
              <tr>
                <th>time</th>
                <th>tenant</th>
                <th>model</th>
                <th>route</th>
                <th>level</th>
                <th class="num">status</th>
                <th class="num">latency</th>
                <th class="num">cost</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (r) =>
                  html`<tr
                    tabindex="0"
                    data-request=${r.request_id}
                    data-route=${r.route ?? ''}
                    onClick=${() => setOpen(r.request_id)}
                    onKeyDown=${(e: KeyboardEvent) => e.key === 'Enter' && setOpen(r.request_id)}
                  >
                    <td title=${utcTime(r.ts)}>${localTime(r.ts)}</td>
                    <td>${r.tenant}</td>
                    <td>${r.model}</td>
                    <td>${r.route ?? '—'}</td>
                    <td>${r.sensitivity}</td>
                    <td class="num">${r.status}</td>
                    <td class="num">${ms(r.latency_ms)}</td>
                    <td class="num">${usd(r.cost_usd)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
          ${more ? html`<button onClick=${() => load(rows.at(-1))}>Older</button>` : ''}`,
    )}
    ${open ? html`<${DecisionDetail} id=${open} onClose=${() => setOpen(undefined)} />` : ''}`;
}
