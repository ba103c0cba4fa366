import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectSensitiveTags, passesIbanChecksum, passesLuhn } from '../src/engine/detect-sensitive.js';

// The detector's precision and recall on a labelled set of positives and look-alike negatives
// (order numbers, ISBNs, tracking numbers, versions, UUIDs, non-Luhn digit runs).
const labelled = JSON.parse(readFileSync(new URL('./fixtures/detector-labelled.json', import.meta.url), 'utf8')) as { text: string; tags: string[] }[];

describe('sensitive-content detector', () => {
  it('meets its precision and recall on the labelled set', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const misses: string[] = [];
    for (const { text, tags } of labelled) {
      const found = detectSensitiveTags([text]);
      for (const t of found) (tags.includes(t) ? tp++ : (fp++, misses.push(`false ${t}: ${text}`)));
      for (const t of tags) if (!found.includes(t)) (fn++, misses.push(`missed ${t}: ${text}`));
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(`detector on ${labelled.length} labelled texts: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`);
    for (const m of misses) console.log(`  ${m}`);
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  });

  it('checks Luhn and IBAN checksums', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesIbanChecksum('GB82 WEST 1234 5698 7654 32')).toBe(true);
    expect(passesIbanChecksum('GB83 WEST 1234 5698 7654 32')).toBe(false);
  });

  it('reads text in every message shape', () => {
    expect(detectSensitiveTags(['no', 'mail me: a.b@c.io'])).toEqual(['pii']);
  });
});
