import { describe, expect, it } from 'vitest';
import { detectInBody, SCAN_FAILED, UNREADABLE_CONTENT } from '../src/engine/detect-sensitive.js';
import { decodeDataUrl } from '../src/engine/detect/encoded-content.js';
import { normaliseForDetection } from '../src/engine/detect/normalise.js';
import { DEFAULT_SCAN_LIMITS, readBody, ScanLimitError } from '../src/engine/request-text.js';

// The detector's reading of a body (issue 33): every key and value, encoded content decoded or found
// unreadable, text normalised once, and every way the scan can fail ends at the top level.
const PHI = 'Patient John Smith, MRN: 00482913';

describe('readBody', () => {
  it('reads every key and value on its own line, a value after its key; the model the gateway replaces is not read', () => {
    const text = readBody({
      model: 'MRN 1234567',
      metadata: { [PHI]: true, type: 'x', list: [], n: 7 },
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(text.lines.split('\n')).toEqual([
      'metadata:',
      `${PHI}: true`,
      'type: x',
      'list:',
      'n: 7',
      'messages:',
      'role: user',
      'content: hi',
    ]);
  });

  it('keeps bare vocabulary words out of the seams, so a number split across parts reads whole', () => {
    const text = readBody({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'SSN 123-45-' },
            { type: 'text', text: '6789' },
          ],
        },
      ],
    });
    expect(text.seams).toBe('SSN 123-45-6789');
  });

  it('reads long values only near their seams, and a value split in three whole', async () => {
    const long = 'x '.repeat(1000);
    const text = readBody({ a: `${long}SSN 123-`, b: '45-', c: `6789 ${long}`, d: long, e: 'the tail' });
    const windows = text.seams.split('\n');
    // Three seams (a|b|c, c|d, d|e), each a window of at most 128 characters a side.
    expect(windows).toHaveLength(3);
    expect(windows[0]).toContain('SSN 123-45-6789');
    expect(windows[2]).toMatch(/x the tail$/);
    expect(text.seams.length).toBeLessThan(6 * 128 + 20);
    expect(await detectInBody({ a: `${long}SSN 123-`, b: '45-', c: `6789 ${long}` })).toEqual(['ssn']);
    // One value has no seam: the lines read it.
    expect(readBody({ a: long }).seams).toBe('');
  });

  it('skips a field by its exact path only: `model` nested anywhere else is read', () => {
    expect(readBody({ metadata: { model: PHI } }).lines).toContain(PHI);
  });

  it('decodes text-like data URLs and base64 sources; says why the rest cannot be read', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const text = readBody({
      a: `data:text/plain;base64,${b64('hello there')}`,
      b: `data:application/json;charset=utf-8;base64,${b64('{"k":"v"}')}`,
      c: { type: 'base64', media_type: 'text/csv', data: b64('x,y') },
      d: `data:image/png;base64,${b64('png')}`,
      e: { data: b64('wav'), format: 'wav' },
      f: 'data: not a data URL',
    });
    expect(text.lines).toContain('hello there');
    expect(text.lines).toContain('{"k":"v"}');
    expect(text.lines).toContain('x,y');
    expect(text.lines).toContain('f: data: not a data URL');
    expect(text.unreadable).toEqual(['image/png is not text', 'audio/wav is not text']);
  });

  it('past the decoding bound, text is unreadable rather than skipped', () => {
    const big = `data:text/plain;base64,${Buffer.from('a'.repeat(2000)).toString('base64')}`;
    expect(readBody({ big }, { ...DEFAULT_SCAN_LIMITS, maxDecodedBytes: 1000 }).unreadable).toEqual([
      'text/plain content over the 1000-byte decoding bound',
    ]);
    expect(readBody({ big }, { ...DEFAULT_SCAN_LIMITS, maxDecodedBytes: 4000 }).unreadable).toEqual([]);
  });

  it.each([
    ['too many characters', { x: 'a'.repeat(101) }, { maxChars: 100 }],
    ['nested too deep', { a: { b: { c: { d: 'x' } } } }, { maxDepth: 3 }],
  ])('throws when the body has %s', (_what, body, limits) => {
    expect(() => readBody(body, { ...DEFAULT_SCAN_LIMITS, ...limits })).toThrow(ScanLimitError);
  });
});

describe('detectInBody: a scan that fails relaxes nothing', () => {
  it('finds what the lines and the joined read hold, and unreadable content', async () => {
    expect(await detectInBody({ metadata: { [PHI]: 'x' } })).toEqual(['mrn']);
    expect(await detectInBody({ image: 'data:image/png;base64,AAAA' })).toEqual([UNREADABLE_CONTENT]);
    expect(await detectInBody({ q: 'hello' })).toEqual([]);
  });

  it('an exception while reading is a failed scan', async () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    expect(await detectInBody({ a: hostile })).toEqual([SCAN_FAILED]);
  });

  it('a size or depth limit reached is a failed scan, whatever was found before it', async () => {
    expect(await detectInBody({ a: PHI, b: 'x'.repeat(200) }, { ...DEFAULT_SCAN_LIMITS, maxChars: 100 })).toEqual([
      SCAN_FAILED,
    ]);
    expect(await detectInBody({ a: { b: { c: 'x' } } }, { ...DEFAULT_SCAN_LIMITS, maxDepth: 2 })).toEqual([
      SCAN_FAILED,
    ]);
  });

  it('the time limit, read from the clock it is given, is a failed scan: while walking and after matching', async () => {
    let t = 0;
    const slowClock = () => (t += 10);
    const manyStrings = { list: Array.from({ length: 1000 }, (_, i) => `s${i}`) };
    expect(await detectInBody(manyStrings, { ...DEFAULT_SCAN_LIMITS, timeoutMs: 15 }, slowClock)).toEqual([
      SCAN_FAILED,
    ]);
    let u = 0;
    expect(await detectInBody({ q: 'hello' }, { ...DEFAULT_SCAN_LIMITS, timeoutMs: 5 }, () => (u += 10))).toEqual([
      SCAN_FAILED,
    ]);
    expect(await detectInBody({ q: 'hello' }, { ...DEFAULT_SCAN_LIMITS, timeoutMs: 5 }, () => 0)).toEqual([]);
  });
});

describe('normaliseForDetection', () => {
  it.each([
    ['written-out \\u escapes', 'MRN \\u0030\\u00301', 'MRN 001'],
    ['braced and \\x escapes', '\\u{31}\\x32', '12'],
    ['HTML numeric entities', '&#49;&#x32;', '12'],
    ['soft hyphens and zero-width characters', '12\u00AD3\u200B4', '1234'],
    ['no-break and ideographic spaces', 'a\u00A0b\u3000c', 'a b c'],
    ['non-breaking hyphens and minus signs', '1\u20112\u22123', '1-2-3'],
    ['Cyrillic and Greek look-alikes', '\u041cRN \u0391\u0392C', 'MRN ABC'],
    ['full-width and Arabic-Indic digits', '\uFF11\u0662', '12'],
  ])('%s', (_what, text, read) => {
    expect(normaliseForDetection(text)).toBe(read);
  });

  it('leaves plain ASCII as it is', () => {
    const text = 'plain text, 123-45-6789';
    expect(normaliseForDetection(text)).toBe(text);
  });
});

describe('decodeDataUrl', () => {
  it('is undefined for a string that only starts with data:', () => {
    expect(decodeDataUrl('data: Patient John', 1000)).toBeUndefined();
    expect(decodeDataUrl('data:', 1000)).toBeUndefined();
  });
  it('reads a charset, and refuses text that is not in it', () => {
    expect(
      decodeDataUrl(`data:text/plain;charset=utf-16le;base64,${Buffer.from('hi', 'utf16le').toString('base64')}`, 1000),
    ).toEqual({ text: 'hi' });
    expect(decodeDataUrl(`data:text/plain;base64,${Buffer.from([0xff, 0xfe, 0xfd]).toString('base64')}`, 1000)).toEqual(
      { unreadable: 'text/plain content that is not utf-8 text' },
    );
  });
  it('a data URL without a type is text/plain, percent-encoded', () => {
    expect(decodeDataUrl('data:,MRN%3A%2000482913', 1000)).toEqual({ text: 'MRN: 00482913' });
    expect(decodeDataUrl('data:,bad%zz', 1000)).toEqual({
      unreadable: 'text/plain content that is not valid percent-encoding',
    });
  });
});
