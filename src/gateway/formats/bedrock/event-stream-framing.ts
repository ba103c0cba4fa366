import { EventStreamCodec } from '@smithy/core/event-streams';
import type { MessageHeaders } from '@smithy/types';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { SseDecoder, type SseEvent } from '../sse.js';
import { UnreadableAnswerError, type EventDecoder, type StreamFraming } from '../wire-format.js';

/** The most one message may hold before the stream is treated as broken (AWS caps a message at 16 MiB too). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const header = (headers: MessageHeaders, name: string) => {
  const h = headers[name];
  return h?.type === 'string' ? h.value : undefined;
};

/**
 * AWS's binary event stream (`application/vnd.amazon.eventstream`), as Bedrock's `converse-stream` sends it: each
 * message is length-prefixed, checksummed, with `:event-type` (or `:exception-type`) among its headers and a JSON
 * payload. The prefix only says where a message ends; the codec of `@smithy/core` reads and checks each one.
 */
class EventStreamDecoder implements EventDecoder {
  private buffered = Buffer.alloc(0);
  /** Pieces of a message still arriving, joined once it is whole (not at every piece: that is quadratic). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private needed = 0;

  push(bytes: Uint8Array): SseEvent[] {
    if (this.needed > 0 && this.pendingBytes + bytes.length < this.needed) {
      this.pending.push(Buffer.from(bytes));
      this.pendingBytes += bytes.length;
      return [];
    }
    this.buffered = Buffer.concat([this.buffered, ...this.pending, bytes]);
    this.pending = [];
    this.pendingBytes = 0;
    this.needed = 0;
    const events: SseEvent[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32BE(0);
      if (length > MAX_MESSAGE_BYTES) throw new UnreadableAnswerError('an event-stream message is over 16 MiB');
      if (this.buffered.length < length) {
        this.needed = length - this.buffered.length;
        break;
      }
      events.push(eventOf(this.buffered.subarray(0, length)));
      this.buffered = this.buffered.subarray(length);
    }
    return events;
  }

  end(): SseEvent[] {
    if (this.buffered.length > 0 || this.pendingBytes > 0)
      throw new UnreadableAnswerError('the event stream ended inside a message');
    return [];
  }
}

function eventOf(bytes: Uint8Array): SseEvent {
  let message;
  try {
    message = codec.decode(bytes);
  } catch (err) {
    throw new UnreadableAnswerError(`an event-stream message does not decode: ${(err as Error).message}`);
  }
  const kind = header(message.headers, ':message-type');
  const event =
    kind === 'exception'
      ? header(message.headers, ':exception-type')
      : kind === 'error'
        ? header(message.headers, ':error-code')
        : header(message.headers, ':event-type');
  return { event: event ?? 'unknown', data: toUtf8(message.body) };
}

/** One event as an event-stream message: an event name that ends in `Exception` is an exception message. */
function messageOf(event: SseEvent): Uint8Array {
  const name = event.event ?? 'message';
  const headers: MessageHeaders = name.endsWith('Exception')
    ? { ':message-type': { type: 'string', value: 'exception' }, ':exception-type': { type: 'string', value: name } }
    : { ':message-type': { type: 'string', value: 'event' }, ':event-type': { type: 'string', value: name } };
  headers[':content-type'] = { type: 'string', value: 'application/json' };
  return codec.encode({ headers, body: fromUtf8(event.data) });
}

export const EVENT_STREAM_FRAMING: StreamFraming = {
  createDecoder: () => new EventStreamDecoder(),
  frame(sse) {
    const decoder = new SseDecoder();
    const events = [...decoder.push(Buffer.from(sse)), ...decoder.end()];
    return Buffer.concat(events.map(messageOf));
  },
};
