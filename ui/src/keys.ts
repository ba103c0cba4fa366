import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { localTime, usd } from './format.js';
import { html, listed } from './html.js';

interface Key {
  id: string;
  name: string | null;
  tenant: string;
  prefix: string;
  spend: { today_usd: string; month_usd: string };
  budget: { daily_usd?: number; monthly_usd?: number } | null;
  revoked_at: string | null;
  expires_at: string | null;
  last_used_at: string | null;
}

/** Keys and tenants: list, create (the key shown once) and revoke. A viewer sees the list only. */
export function KeysPage({ canWrite }: { canWrite: boolean }) {
  const [keys, setKeys] = useState<Key[] | undefined>();
  const [error, setError] = useState('');
  const [made, setMade] = useState<string | undefined>();
  const [form, setForm] = useState({ tenant: '', name: '', daily: '' });
  // Without a store the gateway says how to turn keys on (501): that message, and an empty list.
  const load = () =>
    api<{ data: Key[] }>('/admin/keys').then(
      (r) => setKeys(r.data),
      (e: Error) => {
        setKeys([]);
        setError(e.message);
      },
    );
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const key = await api<{ key: string }>('/admin/keys', {
        method: 'POST',
        body: {
          tenant: form.tenant,
          ...(form.name ? { name: form.name } : {}),
          ...(form.daily ? { budget: { daily_usd: Number(form.daily) } } : {}),
        },
      });
      setMade(key.key);
      setError('');
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const revoke = async (id: string) => {
    await api(`/admin/keys/${id}`, { method: 'DELETE' }).catch((err: Error) => setError(err.message));
    await load();
  };
  const input = (name: keyof typeof form, label: string) =>
    html`<label
      >${label}
      <input
        name=${name}
        value=${form[name]}
        onInput=${(e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value })}
    /></label>`;
  return html` ${error ? html`<p role="alert">${error}</p>` : ''}
  ${made ? html`<p class="secret" data-testid="new-key">New key, shown this once — store it now: <code>${made}</code></p>` : ''}
  ${
    canWrite
      ? html`<form class="filters" onSubmit=${create} aria-label="New key">
          ${input('tenant', 'tenant')}${input('name', 'name')}${input('daily', 'daily budget (USD)')}
          <button type="submit">Create key</button>
        </form>`
      : html`<p>Signed in as a viewer: keys can be read, not changed.</p>`
  }
  ${listed(
    keys,
    'No keys yet.',
    (keys) =>
      html`<table data-testid="keys">
        <thead>
          <tr>
            <th>id</th>
            <th>name</th>
            <th>tenant</th>
            <th>prefix</th>
            <th class="num">today</th>
            <th class="num">month</th>
            <th>budget</th>
            <th>last used</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${keys.map(
            (k) =>
              html`<tr data-key=${k.id}>
                <td>${k.id}</td>
                <td>${k.name ?? ''}</td>
                <td>${k.tenant}</td>
                <td><code>${k.prefix}…</code></td>
                <td class="num">${usd(Number(k.spend.today_usd))}</td>
                <td class="num">${usd(Number(k.spend.month_usd))}</td>
                <td>${k.budget?.daily_usd === undefined ? '' : `${usd(k.budget.daily_usd)}/day`}</td>
                <td>${k.last_used_at ? localTime(Date.parse(k.last_used_at)) : 'never'}</td>
                <td>
                  ${k.revoked_at ? 'revoked' : canWrite ? html`<button onClick=${() => revoke(k.id)}>Revoke</button>` : ''}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>`,
  )}`;
}
