import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { Chart } from './chart.js';
import { tokens, usd } from './format.js';
import { html } from './html.js';

interface View {
  scenario: string;
  observedTokensPerDay: number;
  requests: number;
  options: { id: string; label: string }[];
  points: { tokensPerDay: number; usd: Record<string, number> }[];
  crossovers: { tokensPerDay: number; cheaperBelow: string; cheaperAbove: string }[];
  cheapestNow?: string;
  pricedAtMs: number;
}

/** The answer in one sentence: where self-hosting (or any option) overtakes, and where this gateway is. */
function answer(v: View): string {
  const now = `you are at ≈${tokens(v.observedTokensPerDay)} tokens/day`;
  if (v.crossovers.length === 0) return `Over this range ${v.cheapestNow ?? 'one option'} stays cheapest; ${now}.`;
  return `${v.crossovers
    .map((c) => `${c.cheaperAbove} becomes cheaper than ${c.cheaperBelow} above ≈${tokens(c.tokensPerDay)} tokens/day`)
    .join('; ')}; ${now}, where ${v.cheapestNow ?? '—'} is cheapest.`;
}

export function CrossoverPage() {
  const [scenarios, setScenarios] = useState<string[]>([]);
  const [scenario, setScenario] = useState('');
  const [days, setDays] = useState('7');
  const [view, setView] = useState<View | undefined>();
  const [state, setState] = useState<'idle' | 'running' | string>('idle');
  useEffect(
    () =>
      void api<{ scenarios: string[] }>('/ui/api/scenarios').then((r) => {
        setScenarios(r.scenarios);
        setScenario(r.scenarios[0] ?? '');
      }),
    [],
  );
  const run = async () => {
    setState('running');
    try {
      setView(await api<View>(`/ui/api/crossover?scenario=${encodeURIComponent(scenario)}&days=${days}`));
      setState('idle');
    } catch (e) {
      setState((e as Error).message);
    }
  };
  const relative =
    view && view.points.length > 0
      ? view.options.map((o) => ({
          label: o.label,
          values: view.points.map((p) => {
            const cheapest = Math.min(...Object.values(p.usd));
            return cheapest > 0 ? (p.usd[o.id] ?? 0) / cheapest : null;
          }),
        }))
      : [];
  return html` <p>
      Your own logged traffic, priced under a scenario's options: where one overtakes another, and where you are.
    </p>
    <form class="filters" onSubmit=${(e: Event) => (e.preventDefault(), void run())}>
      <label
        >scenario
        <select value=${scenario} onChange=${(e: Event) => setScenario((e.target as HTMLSelectElement).value)}>
          ${scenarios.map((s) => html`<option value=${s}>${s}</option>`)}
        </select></label
      >
      <label
        >traffic of the last
        <select value=${days} onChange=${(e: Event) => setDays((e.target as HTMLSelectElement).value)}>
          <option value="1">day</option>
          <option value="7">7 days</option>
          <option value="30">30 days</option>
        </select></label
      >
      <button type="submit" disabled=${state === 'running' || !scenario}>
        ${state === 'running' ? 'Replaying…' : 'Price my traffic'}
      </button>
    </form>
    ${state !== 'idle' && state !== 'running' ? html`<p role="alert">${state}</p>` : ''}
    ${
      view
        ? html`<p class="answer" data-testid="answer">
              Your traffic of the last ${days} day(s) (${view.requests.toLocaleString()} requests): ${answer(view)}
              <small data-testid="priced-at"> Priced at ${new Date(view.pricedAtMs).toLocaleTimeString()}.</small>
            </p>
            <${Chart}
              title="Cost per day relative to the cheapest option"
              yLabel="× cheapest"
              logX=${true}
              logY=${true}
              x=${view.points.map((p) => p.tokensPerDay)}
              series=${relative}
              marker=${view.observedTokensPerDay}
            />
            <table>
              <thead>
                <tr>
                  <th class="num">tokens/day</th>
                  ${view.options.map((o) => html`<th class="num">${o.id}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${view.points.map(
                  (p) =>
                    html`<tr>
                      <td class="num">${tokens(p.tokensPerDay)}</td>
                      ${view.options.map((o) => html`<td class="num">${usd(p.usd[o.id])}</td>`)}
                    </tr>`,
                )}
              </tbody>
            </table>`
        : ''
    }`;
}
