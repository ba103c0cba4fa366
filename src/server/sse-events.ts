/** One server-sent event: its `event:` name (if any) and its `data:` text. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/** Splits a byte stream into whole SSE events, however the bytes were chunked. */
export class SseParser {
  private pending = '';

  push(chunk: Buffer | string): SseEvent[] {
    this.pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const events: SseEvent[] = [];
    let end: number;
    while ((end = this.pending.indexOf('\n\n')) >= 0) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) events.push(event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') });
    }
    return events;
  }
}

export const sseData = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
export const sseEvent = (event: string, value: unknown) => `event: ${event}\ndata: ${JSON.stringify(value)}\n\n`;
