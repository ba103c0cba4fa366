import { h } from 'preact';
import htm from 'htm';

/** JSX-like templates without a JSX build step. */
export const html = htm.bind(h);

/** A list's three states: still loading, empty (with what to do), or drawn by `render`. */
export function listed<T>(rows: readonly T[] | undefined, empty: string, render: (rows: readonly T[]) => unknown) {
  if (rows === undefined) return html`<p aria-busy="true">Loading…</p>`;
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return render(rows);
}
