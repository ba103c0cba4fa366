import { dataUrlHeader, decodeBase64Source, decodeContent, type Decoded } from './detect/encoded-content.js';
import { normaliseForDetection } from './detect/normalise.js';
import { SwitchyardError } from './errors.js';

/**
 * A request body as text for the detector: one walk over the caller's body exactly as it arrived, every key
 * and every value at every depth, in every field known or unknown. Whatever any route is sent is made from
 * that body (as it is, or translated), so whatever leaves has been read (see docs/detection.md).
 */

/** What a scan may read before it gives up; giving up sends the request to the top level. */
export interface ScanLimits {
  /** Characters read in all: keys, values and decoded content. */
  readonly maxChars: number;
  /** How deep objects and arrays may nest. */
  readonly maxDepth: number;
  /** Bytes of encoded content (`data:` URLs, base64 sources) decoded per request; past it, content is unreadable. */
  readonly maxDecodedBytes: number;
  /** How long the scan may take, read from the clock the caller passes. */
  readonly timeoutMs: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = Object.freeze({
  maxChars: 8 * 1024 * 1024,
  maxDepth: 64,
  maxDecodedBytes: 1024 * 1024,
  timeoutMs: 1000,
});

/** A scan that reached one of its limits: the body was not read whole. */
export class ScanLimitError extends SwitchyardError {
  constructor(message: string) {
    super('scan_limit', message);
  }
}

export interface BodyText {
  /** Every key and value on a line of its own, a value after its key (`ssn: 123-45-6789`), decoded content too. */
  readonly lines: string;
  /**
   * Where two values meet, joined end to end (a number split across parts or messages reads whole): the
   * text within `SEAM` characters of each seam, windows that touch merged, one window a line.
   */
  readonly seams: string;
  /** Why each piece of encoded content that could not be read was not. */
  readonly unreadable: readonly string[];
}

/** Top-level fields the gateway replaces before anything is sent: the caller's value never leaves. */
const REPLACED = new Set(['model']);
/** A bare word of a format's vocabulary (`user`, `input_text`): on its line, but kept out of the joined read. */
const VOCABULARY = /^[A-Za-z][A-Za-z_-]{0,39}$/;
/**
 * How far from a seam a match that crosses it can start or end: longer than every pattern that can be
 * split (an IBAN is 34 characters, an address line a few dozen). Reading only near seams keeps the second
 * read a small fraction of the first on long messages.
 */
const SEAM = 128;
/** How many strings are read between two looks at the clock. */
const CLOCK_EVERY = 256;

/**
 * The text of `body` as the detector reads it: normalised once (see `detect/normalise.ts`), linear in its
 * size. Throws `ScanLimitError` when a limit is reached.
 *
 * @example
 * readBody({ model: 'gpt-5', metadata: { 'MRN 00482913': 'x' } }).lines // 'metadata:\nMRN 00482913: x'
 */
export function readBody(body: unknown, limits: ScanLimits = DEFAULT_SCAN_LIMITS, elapsedMs?: () => number): BodyText {
  const lines: string[] = [];
  const joined: string[] = [];
  const unreadable: string[] = [];
  let chars = 0;
  let strings = 0;
  let decodable = limits.maxDecodedBytes;

  const read = (raw: string): string => {
    chars += raw.length;
    if (chars > limits.maxChars) throw new ScanLimitError(`the body holds over ${limits.maxChars} characters to read`);
    if (elapsedMs && ++strings % CLOCK_EVERY === 0 && elapsedMs() > limits.timeoutMs)
      throw new ScanLimitError(`reading the body took over ${limits.timeoutMs} ms`);
    return normaliseForDetection(raw);
  };
  const content = (decoded: Decoded) => {
    if ('unreadable' in decoded) return void unreadable.push(decoded.unreadable);
    decodable -= decoded.text.length;
    const text = read(decoded.text);
    lines.push(text);
    joined.push(text);
  };
  const text = (prefix: string, raw: string) => {
    const header = dataUrlHeader(raw);
    if (header) {
      // A data URL's payload is read decoded, or found unreadable; its header is text like any other.
      lines.push(prefix + read(header.header));
      return content(
        decodeContent(header.type, raw.slice(header.header.length), header.base64, decodable, header.charset),
      );
    }
    const t = read(raw);
    lines.push(prefix + t);
    if (!VOCABULARY.test(t)) joined.push(t);
  };
  const walk = (value: unknown, prefix: string, depth: number): void => {
    if (depth > limits.maxDepth) throw new ScanLimitError(`the body nests deeper than ${limits.maxDepth} levels`);
    if (typeof value === 'string') return text(prefix, value);
    // A key is read whatever its value holds: `{"MRN 00482913": true}` sends the MRN.
    if (typeof value !== 'object' || value === null) return void lines.push(prefix + String(value));
    if (Array.isArray(value)) {
      if (value.length === 0 && prefix) lines.push(prefix.trimEnd());
      for (const item of value) walk(item, prefix, depth + 1);
      return;
    }
    const object = value as Record<string, unknown>;
    if (prefix) lines.push(prefix.trimEnd());
    const source = decodeBase64Source(object, decodable);
    if (source) content(source);
    for (const key of Object.keys(object)) {
      if (depth === 0 && REPLACED.has(key)) continue;
      // A base64 source's data is read decoded above, not as text.
      if (source && key === 'data') continue;
      walk(object[key], `${read(key)}: `, depth + 1);
    }
  };
  walk(body, '', 0);
  return { lines: lines.join('\n'), seams: seamsOf(joined), unreadable };
}

/** The text around each seam between consecutive values; a value shorter than two windows is kept whole. */
function seamsOf(values: readonly string[]): string {
  const windows: string[] = [];
  let window = '';
  let holdsSeam = false;
  for (const value of values) {
    if (window.length > 0 || holdsSeam) holdsSeam = true;
    if (value.length <= 2 * SEAM) {
      window += value;
      continue;
    }
    if (holdsSeam) windows.push(window + value.slice(0, SEAM));
    window = value.slice(-SEAM);
    holdsSeam = false;
  }
  if (holdsSeam) windows.push(window);
  return windows.join('\n');
}
