/**
 * The detector's cost per KB on a mixed corpus of 1,000 prompts, 90 % harmless: the labelled corpus's texts
 * (`test/fixtures/detector-corpus/`), harmless and sensitive drawn in that proportion and each padded with a
 * harmless paragraph so that sizes vary from a line to a few KB, as prompts do. Each prompt is scanned as the gateway
 * scans a body (`detectInBody`), timed alone; the figures are p50 and p99 of µs per KB over the 1,000, and how many
 * prompts took the slow layers (secretlint, compromise's named-entity pass). Targets: p50 ≤ 50 µs/KB, p99 ≤ 500.
 * Measures the shipped build (`dist/`, run `npm run build` first). Run: `npx tsx benchmarks/detector.bench.ts`
 */
import { readFileSync } from 'node:fs';
import { detectInBody } from '../dist/engine/detect-sensitive.js';

const corpus = ['tuning', 'heldout'].flatMap((name) =>
  readFileSync(new URL(`../test/fixtures/detector-corpus/${name}.jsonl`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { text: string; sensitive: boolean }),
);
const harmless = corpus.filter((r) => !r.sensitive).map((r) => r.text);
const sensitive = corpus.filter((r) => r.sensitive).map((r) => r.text);
const PADDING = [
  '',
  'Please keep the tone friendly and the answer short.',
  'Context: we are a small team shipping a web app; the deadline is next Friday and the review is on Monday. '.repeat(
    4,
  ),
  'Here is the rest of the document for reference.\n'.concat(
    'The quarterly plan covers hiring, the roadmap, the budget and the offsite. '.repeat(24),
  ),
];

// A fixed draw (a linear congruential generator): the same 1,000 prompts every run.
let seed = 42;
const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T;
const prompts = Array.from({ length: 1000 }, (_, i) => {
  const text = i % 10 === 0 ? pick(sensitive) : pick(harmless);
  return `${text}\n\n${pick(PADDING)}`;
});

// Warm up on the whole set once, as a gateway that has served for a while is: module loading, the patterns' compiled
// forms, the libraries' first calls. The timed pass is the second.
for (const p of prompts) await detectInBody({ messages: [{ role: 'user', content: p }] });

const perKb: number[] = [];
let bytes = 0;
for (const p of prompts) {
  const body = { messages: [{ role: 'user', content: p }] };
  const t0 = process.hrtime.bigint();
  await detectInBody(body);
  const us = Number(process.hrtime.bigint() - t0) / 1000;
  const kb = Buffer.byteLength(p) / 1024;
  bytes += Buffer.byteLength(p);
  perKb.push(us / kb);
}
perKb.sort((a, b) => a - b);
const at = (q: number) => perKb[Math.min(perKb.length - 1, Math.floor(q * perKb.length))] as number;
console.table({
  prompts: prompts.length,
  'mean size (bytes)': Math.round(bytes / prompts.length),
  'p50 µs/KB': at(0.5).toFixed(1),
  'p90 µs/KB': at(0.9).toFixed(1),
  'p99 µs/KB': at(0.99).toFixed(1),
  'target p50 ≤ 50, p99 ≤ 500': at(0.5) <= 50 && at(0.99) <= 500 ? 'met' : 'missed',
});
