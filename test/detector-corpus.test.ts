import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIGURE_DOCS, figures, figuresIn, score } from '../scripts/detector-eval.js';

// The corpus of test/fixtures/detector-corpus/, written by someone who never saw the detector's rules: the tuning set
// is a floor the rules must keep; the held-out set is only measured, and the figures the docs publish must be a fresh
// run's (`npx tsx scripts/detector-eval.ts --write` renews them), never typed by hand.
describe('the detector on the labelled corpus', () => {
  it('keeps precision ≥ 0.95 and recall ≥ 0.90 on the tuning set', { timeout: 60_000 }, async () => {
    const tuning = await score('tuning');
    expect(tuning.precision, `false alarms: ${tuning.falseAlarms.join(' ')}`).toBeGreaterThanOrEqual(0.95);
    expect(tuning.recall, `misses: ${tuning.misses.join(' ')}`).toBeGreaterThanOrEqual(0.9);
  });

  it('the README and docs/detection.md publish the figures of a fresh run', { timeout: 60_000 }, async () => {
    const table = figures(await score('tuning'), await score('heldout'));
    for (const doc of FIGURE_DOCS) expect(figuresIn(readFileSync(doc, 'utf8')), doc).toBe(table);
  });
});
