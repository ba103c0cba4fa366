import { createParser, type EventSourceParser } from 'eventsource-parser';

/** One server-sent event: its `event:` name (if any) and its `data:` text. */
export interface SseEvent {
  readonly event?: string | undefined;
  readonly data: string;
}

/** The most one event may hold before the stream is treated as broken (bounds memory per stream). */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/**
 * Bytes of an event stream in, whole events out, however the bytes were chunked: LF, CR or CRLF line
 * ends (the SSE specification allows all three), a UTF-8 character split across chunks, an event split at
 * any byte. Parsing is linear in the bytes fed (eventsource-parser keeps partial lines as fragments).
 */
export class SseDecoder {
  /** Keeps a BOM: only the stream's first character may be one to drop, and `feed` drops it. */
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly parser: EventSourceParser;
  private events: SseEvent[] = [];
  private failure: Error | undefined;
  /** Whether `decoder` may hold part of a character. */
  private decoderHolds = false;
  /** No text decoded yet: a BOM first is dropped, as the SSE specification says. */
  private atStart = true;

  constructor(maxEventBytes = MAX_EVENT_BYTES) {
    this.parser = createParser({
      maxBufferSize: maxEventBytes,
      onEvent: (e) => this.events.push(e.event === undefined ? { data: e.data } : { event: e.event, data: e.data }),
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') this.failure = err;
      },
    });
  }

  /** The events completed by these bytes; throws when one event grew past the limit. */
  push(bytes: Uint8Array): SseEvent[] {
    // Most chunks end on a whole character and follow one that did: Buffer's UTF-8 reader takes those, at a fraction
    // of the cost of TextDecoder's streaming mode (≈3 % of a streamed request's CPU; issue 32). TextDecoder takes
    // every chunk from one that ends inside a character to the next that ends whole, carrying the part over.
    if (!this.decoderHolds && endsOnWholeCharacter(bytes))
      this.feed(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    else {
      this.feed(this.decoder.decode(bytes, { stream: true }));
      this.decoderHolds = !endsOnWholeCharacter(bytes);
    }
    return this.take();
  }

  /** The last event of a stream that ends without its blank line (the spec drops it; upstreams mean it). */
  end(): SseEvent[] {
    this.feed(`${this.decoder.decode()}\n\n`);
    return this.take();
  }

  private feed(text: string): void {
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      this.parser.feed(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } else this.parser.feed(text);
  }

  private take(): SseEvent[] {
    if (this.failure) throw this.failure;
    const out = this.events;
    this.events = [];
    return out;
  }
}

/**
 * Whether UTF-8 `bytes` end with a complete character: an ASCII byte last, or a lead byte followed by exactly the
 * continuation bytes it announces. Anything else (a cut character, bytes that are not UTF-8) says no.
 */
function endsOnWholeCharacter(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n === 0) return true;
  if ((bytes[n - 1] as number) < 0x80) return true;
  let continuation = 0;
  while (continuation < 3 && continuation < n && ((bytes[n - 1 - continuation] as number) & 0xc0) === 0x80)
    continuation++;
  if (continuation === n) return false;
  const lead = bytes[n - 1 - continuation] as number;
  return sequenceLength(lead) === continuation + 1;
}

/** How many bytes a UTF-8 character with this lead byte takes; 0 for a byte that cannot lead one. */
function sequenceLength(lead: number): number {
  if (lead >= 0xf8) return 0;
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  return lead >= 0xc0 ? 2 : 0;
}

export const sseData = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
export const sseEvent = (event: string, value: unknown) => `event: ${event}\ndata: ${JSON.stringify(value)}\n\n`;
