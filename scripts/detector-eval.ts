/**
 * The detector measured on the labelled corpus (`test/fixtures/detector-corpus/`): precision and recall on the tuning
 * set and on the held-out set, and recall per kind. `--write` puts the table into docs/detection.md and the README
 * between their `detector-figures` markers, so that the published figures are this script's, never typed by hand
 * (`test/detector-corpus.test.ts` fails when they differ from a fresh run). Run: `npx tsx scripts/detector-eval.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { detectInBody } from '../src/engine/detect-sensitive.js';

interface Row {
  readonly id: string;
  readonly text: string;
  readonly sensitive: boolean;
  readonly kinds: readonly string[];
}

export interface Scores {
  readonly texts: number;
  readonly precision: number;
  readonly recall: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  /** Recall per labelled kind: found / labelled. */
  readonly byKind: Readonly<Record<string, string>>;
  readonly misses: readonly string[];
  readonly falseAlarms: readonly string[];
}

const root = new URL('../', import.meta.url);
const read = (name: string): Row[] =>
  readFileSync(new URL(`test/fixtures/detector-corpus/${name}.jsonl`, root), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);

/** A text is flagged when the detector finds any kind in it (what auto-tagging acts on), as a one-message chat. */
export async function score(name: 'tuning' | 'heldout'): Promise<Scores> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const kinds = new Map<string, { found: number; total: number }>();
  const misses: string[] = [];
  const falseAlarms: string[] = [];
  for (const row of read(name)) {
    const found = (await detectInBody({ messages: [{ role: 'user', content: row.text }] })).length > 0;
    if (found && row.sensitive) tp++;
    else if (found) {
      fp++;
      falseAlarms.push(row.id);
    } else if (row.sensitive) {
      fn++;
      misses.push(row.id);
    }
    for (const kind of row.kinds) {
      const k = kinds.get(kind) ?? { found: 0, total: 0 };
      k.total++;
      if (found) k.found++;
      kinds.set(kind, k);
    }
  }
  const byKind = Object.fromEntries([...kinds].sort().map(([k, v]) => [k, `${v.found}/${v.total}`]));
  return {
    texts: tp + fp + fn,
    precision: tp / (tp + fp),
    recall: tp / (tp + fn),
    tp,
    fp,
    fn,
    byKind,
    misses,
    falseAlarms,
  };
}

/** The markdown table the docs carry. */
export function figures(tuning: Scores, heldout: Scores): string {
  const row = (name: string, s: Scores, n: number) =>
    `| ${name} | ${n} | ${s.precision.toFixed(2)} | ${s.recall.toFixed(2)} | ${s.fp} | ${s.fn} |`;
  const kinds = Object.keys(heldout.byKind);
  return [
    '| set | texts | precision | recall | false alarms | misses |',
    '|---|---|---|---|---|---|',
    row('tuning (used while writing the rules)', tuning, read('tuning').length),
    row('**held out** (never looked at while tuning)', heldout, read('heldout').length),
    '',
    `Held-out recall by kind: ${kinds.map((k) => `${k} ${heldout.byKind[k]}`).join(', ')}.`,
  ].join('\n');
}

const BLOCK = /(<!-- detector-figures -->\n)[\s\S]*?(\n<!-- \/detector-figures -->)/;

/** The docs with the figures block replaced. */
export const withFigures = (doc: string, table: string) => doc.replace(BLOCK, `$1${table}$2`);
/** The figures block a doc carries now. */
export const figuresIn = (doc: string) => BLOCK.exec(doc)?.[0].split('\n').slice(1, -1).join('\n');

export const FIGURE_DOCS = ['README.md', 'docs/detection.md'];

if (import.meta.url === `file://${process.argv[1]}`) {
  const tuning = await score('tuning');
  const heldout = await score('heldout');
  const table = figures(tuning, heldout);
  console.log(table);
  console.log(
    `\ntuning misses: ${tuning.misses.join(' ') || '-'}; false alarms: ${tuning.falseAlarms.join(' ') || '-'}`,
  );
  if (process.argv.includes('--write'))
    for (const doc of FIGURE_DOCS) {
      const path = new URL(doc, root);
      writeFileSync(path, withFigures(readFileSync(path, 'utf8'), table));
    }
}
