import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANALYZER_FAILED, SCAN_FAILED } from '../src/engine/detect-sensitive.js';
import type { Span } from '../src/engine/detect/spans.js';
import { redactBody } from '../src/engine/redact-body.js';
import { kindsAfterRedaction, Masking, restoreText, StreamRestorer } from '../src/engine/redaction.js';

// The invariants of redaction, in the engine beside clearance and residency: each line of `kindsAfterRedaction` has
// its test, and masking then restoring gives back the text exactly, however a stream cuts it.
describe('kindsAfterRedaction', () => {
  const listed = new Set(['ssn', 'person']);

  it('a listed kind masked away is relaxed', () => {
    expect(kindsAfterRedaction(['ssn'], [], listed)).toEqual([]);
  });

  it('a kind not listed keeps its level, even if the scan after masking misses it', () => {
    expect(kindsAfterRedaction(['ssn', 'email'], [], listed)).toEqual(['email']);
  });

  it('what the scan still finds after masking stands (a clinical detail about a masked name)', () => {
    expect(kindsAfterRedaction(['ssn', 'clinical'], ['clinical'], listed)).toEqual(['clinical']);
  });

  it('a scan or an analyzer that failed relaxes nothing', () => {
    expect(kindsAfterRedaction([SCAN_FAILED, 'ssn'], [], listed)).toEqual([SCAN_FAILED, 'ssn']);
    expect(kindsAfterRedaction(['ssn', ANALYZER_FAILED], [], listed)).toEqual([ANALYZER_FAILED, 'ssn']);
    expect(kindsAfterRedaction(['ssn'], [SCAN_FAILED], listed)).toEqual([SCAN_FAILED, 'ssn']);
  });
});

/** Random spans inside a text: what the detector might have found. */
const textWithSpans = fc
  .tuple(
    fc.string({
      unit: fc.constantFrom('a', 'b', ' ', '[', ']', '_', '1', 'S', 'N', 'P', 'E', 'R', 'O', 'é'),
      maxLength: 80,
    }),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 12 }), fc.constantFrom('ssn', 'person', 'email')), { maxLength: 5 }),
  )
  .map(([text, raw]) => ({
    text,
    spans: raw
      .map(([at, len, kind]) => {
        const start = at % (text.length + 1);
        return { start, end: Math.min(text.length, start + len), kind, confidence: 1 } as Span;
      })
      .filter((s) => s.end > s.start),
  }));

describe('masking and restoring', () => {
  it('gives back the original text exactly, a literal placeholder in it included', () => {
    fc.assert(
      fc.property(textWithSpans, ({ text, spans }) => {
        const masking = new Masking();
        masking.reserve(text);
        const masked = masking.mask(text, spans);
        expect(restoreText(masked, masking.originals)).toBe(text);
      }),
      { numRuns: 500 },
    );
    const masking = new Masking();
    const text = 'keep [PERSON_1], mask John';
    masking.reserve(text);
    const masked = masking.mask(text, [{ start: 22, end: 26, kind: 'person', confidence: 1 }]);
    expect(masked).toBe('keep [PERSON_1], mask [PERSON_2]');
    expect(restoreText(masked, masking.originals)).toBe(text);
  });

  it('gives back the same text from a stream, however its pieces are cut', () => {
    fc.assert(
      fc.property(textWithSpans, fc.array(fc.nat(), { maxLength: 12 }), ({ text, spans }, cuts) => {
        const masking = new Masking();
        masking.reserve(text);
        const masked = masking.mask(text, spans);
        const at = [...new Set(cuts.map((c) => c % (masked.length + 1)))].sort((a, b) => a - b);
        const restorer = new StreamRestorer(masking.originals);
        let out = '';
        let from = 0;
        for (const to of [...at, masked.length]) {
          out += restorer.push(masked.slice(from, to));
          from = to;
        }
        expect(out + restorer.flush()).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('a stream holds back only a placeholder still arriving, never the rest', () => {
    const masking = new Masking();
    masking.mask('x', [{ start: 0, end: 1, kind: 'ssn', confidence: 1 }]);
    const restorer = new StreamRestorer(masking.originals);
    expect(restorer.push('before [SS')).toBe('before ');
    expect(restorer.push('N_1] after')).toBe('x after');
    expect(restorer.push(' a [citation] too')).toBe(' a [citation] too');
  });
});

describe('redactBody', () => {
  it('masks every string of a body the detector reads, one placeholder per value', async () => {
    const body = {
      messages: [
        { role: 'system', content: 'Customer: John Smith' },
        { role: 'user', content: [{ type: 'text', text: 'SSN 123-45-6789, again 123-45-6789, for John Smith' }] },
        { role: 'tool', tool_call_id: 'c', content: '{"ssn":"123-45-6789"}' },
      ],
      tools: [{ type: 'function', function: { name: 'f', description: 'look up 123-45-6789' } }],
    };
    const { body: masked, masking, scanned } = await redactBody(body, new Set(['ssn', 'person']), undefined);
    const text = JSON.stringify(masked);
    expect(text).not.toContain('123-45-6789');
    expect(text).not.toContain('John Smith');
    expect([...masking.originals.keys()].sort()).toEqual(['[PERSON_1]', '[SSN_1]']);
    expect(scanned).toEqual([]);
  });
});

describe('review mends', () => {
  it('overlapping spans are masked as their union: no character of either is sent', () => {
    const masking = new Masking();
    const text = 'SSN 123-45-6789 Main Street, Springfield, IL 62704';
    const masked = masking.mask(text, [
      { start: 4, end: 15, kind: 'ssn', confidence: 1 },
      { start: 11, end: 50, kind: 'address', confidence: 1 },
    ]);
    expect(masked).toBe('SSN [ADDRESS_1]');
    expect(restoreText(masked, masking.originals)).toBe(text);
  });

  it('masks the caller’s own text where normalising kept the offsets: nothing else in it changes', async () => {
    const text = 'Позвоните Ивану: мой телефон +7 912 345-67-89';
    const { body } = await redactBody({ messages: [{ role: 'user', content: text }] }, new Set(['phone']), undefined);
    expect((body as { messages: { content: string }[] }).messages[0]!.content).toBe(
      'Позвоните Ивану: мой телефон [PHONE_1]',
    );
  });

  it("a tool call's arguments held back at a finish are let out into that tool call", async () => {
    const { restored } = await import('../src/gateway/http/restore-answer.js');
    const masking = new Masking();
    masking.mask('x', [{ start: 0, end: 1, kind: 'ssn', confidence: 1 }]);
    const chunk = (delta: object, finish: string | null = null) => ({
      chunk: {
        id: 'c',
        object: 'chat.completion.chunk',
        model: 'm',
        choices: [{ index: 0, delta, finish_reason: finish }],
      },
    });
    async function* rest() {
      yield [chunk({ tool_calls: [{ index: 0, function: { arguments: '{"n":"[SS' } }] })];
      yield [chunk({}, 'length')];
    }
    const outcome = restored(
      { kind: 'stream', served: {} as never, first: [], rest: rest(), attempts: [], ttftMs: 0 },
      { masking, scanned: [], restore: true },
    );
    let args = '';
    if (outcome.kind === 'stream')
      for await (const items of outcome.rest)
        for (const item of items)
          if ('chunk' in item) args += item.chunk.choices?.[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
    expect(args).toBe('{"n":"[SS');
  });
});
