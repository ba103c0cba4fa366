/**
 * What redaction adds to a request: a 2 KB prompt with three findings (a name, an SSN, an email address), scanned as
 * an auto-tagging tenant's request is (`detectInBody`), beside the redact step (scan, mask every string, scan the
 * masked body again) and the restore of an answer that quotes the placeholders back. Measures the shipped build
 * (`dist/`, run `npm run build` first). Run: `npx tsx benchmarks/redaction.bench.ts`
 */
import { Bench } from 'tinybench';
import { detectInBody } from '../dist/engine/detect-sensitive.js';
import { redactBody } from '../dist/engine/redact-body.js';
import { restoreText } from '../dist/engine/redaction.js';

const filler = 'The customer says the card arrived three weeks late and the replacement was sent to the wrong branch. ';
const prompt = `Summarise this complaint from John Smith (SSN 123-45-6789, reply to john.smith@acme-mail.io). ${filler.repeat(19)}`;
const body = { model: 'gpt-5', messages: [{ role: 'user', content: prompt }] };
const kinds = new Set(['person', 'ssn', 'email']);
const { masking } = await redactBody(body, kinds, undefined);
const answer = `Dear [PERSON_1], we have your SSN [SSN_1] on file and will write to [EMAIL_1]. ${filler.repeat(10)}`;

const bench = new Bench({ time: 2000, warmupTime: 500 });
bench
  .add('scan only (auto_tag)', async () => void (await detectInBody(body)))
  .add('redact: scan, mask, scan again', async () => void (await redactBody(body, kinds, undefined)))
  .add('restore an answer', () => void restoreText(answer, masking.originals));
await bench.run();
const us = (name: string) => {
  const r = bench.tasks.find((t) => t.name === name)?.result as { latency?: { p50?: number } } | undefined;
  return (r?.latency?.p50 ?? NaN) * 1000;
};
console.log(`prompt ${Buffer.byteLength(prompt)} bytes, ${masking.count} values masked`);
console.table(bench.tasks.map((t) => ({ task: t.name, 'p50 µs': us(t.name).toFixed(1) })));
console.log(
  `redaction adds ${(us('redact: scan, mask, scan again') - us('scan only (auto_tag)') + us('restore an answer')).toFixed(0)} µs per request over auto-tagging alone`,
);
