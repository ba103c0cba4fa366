import { usageFromOpenAi, type MeteredUsage } from './usage.js';

const SEPARATOR = Buffer.from('\n\n');
const CONTENT = /"content":"((?:[^"\\]|\\.)*)"/g;

/**
 * Reads an OpenAI-format SSE stream as it passes: finds the usage chunk (which the gateway always asks the
 * upstream for) and drops it when the caller did not ask, and counts the streamed text so that an upstream
 * that reports no usage can still be estimated. Only whole events are released, so a dropped event never
 * leaves half a line behind; the rest of the bytes pass through as they came.
 */
export class SseUsageTap {
  usage: MeteredUsage | undefined;
  /** Characters of streamed content, for estimates. */
  contentChars = 0;
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly keepUsageChunk: boolean) {}

  push(chunk: Buffer): Buffer {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const end = data.lastIndexOf(SEPARATOR);
    if (end < 0) {
      this.pending = data;
      return Buffer.alloc(0);
    }
    const whole = data.subarray(0, end + 2);
    this.pending = data.subarray(end + 2);
    return this.inspect(whole);
  }

  /** Whatever is left when the upstream ends (a stream without a final blank line). */
  finish(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest.length === 0 ? rest : this.inspect(rest);
  }

  private inspect(events: Buffer): Buffer {
    const text = events.toString('utf8');
    for (const m of text.matchAll(CONTENT)) this.contentChars += (m[1] as string).length;
    const at = text.indexOf('"usage":{');
    if (at < 0) return events;
    // The usage event is its own `data:` line; find it, read it, and cut it out unless the caller wants it.
    const start = text.lastIndexOf('data:', at);
    const stop = text.indexOf('\n\n', at);
    const line = text.slice(start, stop < 0 ? undefined : stop);
    try {
      const chunk = JSON.parse(line.slice(5)) as { usage?: unknown; choices?: unknown[] };
      this.usage = usageFromOpenAi(chunk.usage) ?? this.usage;
      if (this.keepUsageChunk || (chunk.choices?.length ?? 0) > 0) return events;
    } catch {
      return events;
    }
    return Buffer.from(text.slice(0, start) + (stop < 0 ? '' : text.slice(stop + 2)));
  }
}
