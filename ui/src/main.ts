import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { api, ApiError, setCsrf } from './api.js';
import { CrossoverPage } from './crossover.js';
import { DecisionsPage } from './decisions.js';
import { html } from './html.js';
import { KeysPage } from './keys.js';
import { OverviewPage } from './overview.js';
import { RoutesPage } from './routes-page.js';
import { SpendPage } from './spend.js';

interface Me {
  name: string;
  role: 'admin' | 'viewer';
  csrf: string | null;
}

const PAGES = ['overview', 'routes', 'decisions', 'spend', 'crossover', 'keys'] as const;
type Page = (typeof PAGES)[number];
const pageOf = (hash: string): Page => PAGES.find((p) => hash === `#/${p}`) ?? 'overview';

function SignIn({ onIn }: { onIn: (me: Me) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const key = (new FormData(e.target as HTMLFormElement).get('key') as string) ?? '';
    try {
      onIn(await api<Me>('/ui/api/session', { method: 'POST', body: { key } }));
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'That key is not an admin or viewer key of this gateway.'
          : (err as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <h1>Switchyard</h1>
    <form onSubmit=${submit} aria-label="Sign in">
      <label for="key">Admin or viewer key</label>
      <input id="key" name="key" type="password" autocomplete="current-password" required autofocus />
      <button type="submit" disabled=${busy}>Sign in</button>
      ${error ? html`<p role="alert" class="error">${error}</p>` : ''}
    </form>
  </main>`;
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>();
  const [page, setPage] = useState<Page>(pageOf(location.hash));
  useEffect(() => {
    api<Me>('/ui/api/me').then(signedIn, () => setMe(null));
    const onHash = () => setPage(pageOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const signedIn = (who: Me) => {
    setCsrf(who.csrf ?? '');
    setMe(who);
  };
  const signOut = async () => {
    await api('/ui/api/session', { method: 'DELETE' });
    setMe(null);
  };
  if (me === undefined) return html`<p aria-busy="true">Loading…</p>`;
  if (me === null) return html`<${SignIn} onIn=${signedIn} />`;
  const body = {
    overview: () => html`<${OverviewPage} />`,
    routes: () => html`<${RoutesPage} />`,
    decisions: () => html`<${DecisionsPage} />`,
    spend: () => html`<${SpendPage} />`,
    crossover: () => html`<${CrossoverPage} />`,
    keys: () => html`<${KeysPage} canWrite=${me.role === 'admin'} />`,
  }[page];
  return html`<header>
      <strong>Switchyard</strong>
      <nav aria-label="Pages">
        ${PAGES.map(
          (p) =>
            html`<a href=${`#/${p}`} aria-current=${p === page ? 'page' : undefined}
              >${p[0]?.toUpperCase()}${p.slice(1)}</a
            >`,
        )}
      </nav>
      <span class="who">${me.name} (${me.role})</span><button onClick=${signOut}>Sign out</button>
    </header>
    <main>
      <h1>${page[0]?.toUpperCase()}${page.slice(1)}</h1>
      ${body()}
    </main>`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
