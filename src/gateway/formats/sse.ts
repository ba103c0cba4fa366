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
  private readonly decoder = new TextDecoder();
  private readonly parser: EventSourceParser;
  private events: SseEvent[] = [];
  private failure: Error | undefined;

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
    this.parser.feed(this.decoder.decode(bytes, { stream: true }));
    return this.take();
  }

  /** The last event of a stream that ends without its blank line (the spec drops it; upstreams mean it). */
  end(): SseEvent[] {
    this.parser.feed(`${this.decoder.decode()}\n\n`);
    return this.take();
  }

  private take(): SseEvent[] {
    if (this.failure) throw this.failure;
    const out = this.events;
    this.events = [];
    return out;
  }
}

export const sseData = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
export const sseEvent = (event: string, value: unknown) => `event: ${event}\ndata: ${JSON.stringify(value)}\n\n`;
