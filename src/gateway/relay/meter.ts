import { estimateTokensOfChars } from '../../engine/estimate-tokens.js';
import { costOfUsagePico, type ModelPrice } from '../../engine/prices.js';
import type { Json, StreamItem } from '../formats/wire-format.js';
import { usageFromOpenAi, type MeteredUsage } from './usage.js';

export interface Metered {
  readonly usage: MeteredUsage;
  /** Exact cost at the serving route's price, pico-dollars. */
  readonly costPico: bigint;
}

/** Usage and its exact cost for one served request, estimated from the text when the upstream reported none. */
export function meter(reported: MeteredUsage | undefined, inputEstimate: number, outputChars: number, price: ModelPrice): Metered {
  const usage = reported ?? { input: inputEstimate, output: estimateTokensOfChars(outputChars), cachedInput: 0, reasoning: 0, estimated: true };
  return { usage, costPico: costOfUsagePico(usage, price) };
}

/** Characters of text in a non-streamed answer (for estimates). */
function answerChars(answer: Json): number {
  let chars = 0;
  for (const c of (answer.choices as { message?: { content?: unknown } }[] | undefined) ?? []) if (typeof c.message?.content === 'string') chars += c.message.content.length;
  return chars;
}

export function meterAnswer(answer: Json, inputEstimate: number, price: ModelPrice): Metered {
  return meter(usageFromOpenAi(answer.usage), inputEstimate, answerChars(answer), price);
}

/**
 * Reads a stream's items as they pass to the caller: keeps the usage chunk's counts (the gateway always
 * asks the upstream for it) and drops that chunk when the caller did not ask, and counts the streamed text
 * so an upstream that reports no usage — or a stream cut short — can still be estimated.
 */
export class StreamMeter {
  private reported: MeteredUsage | undefined;
  private contentChars = 0;

  constructor(private readonly keepUsageChunk: boolean) {}

  /** The item to pass on, or undefined to drop it. */
  observe(item: StreamItem): StreamItem | undefined {
    if (!('chunk' in item)) return item;
    const chunk = item.chunk;
    const choices = chunk.choices as { delta?: { content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] } }[] | undefined;
    for (const c of choices ?? []) {
      if (typeof c.delta?.content === 'string') this.contentChars += c.delta.content.length;
      for (const call of c.delta?.tool_calls ?? []) if (typeof call.function?.arguments === 'string') this.contentChars += call.function.arguments.length;
    }
    if (chunk.usage !== undefined && chunk.usage !== null) {
      this.reported = usageFromOpenAi(chunk.usage) ?? this.reported;
      if (!this.keepUsageChunk && (choices?.length ?? 0) === 0) return undefined;
    }
    return item;
  }

  /** What the relayed part cost: reported usage when the stream delivered it, else an estimate. */
  metered(inputEstimate: number, price: ModelPrice): Metered {
    return meter(this.reported, inputEstimate, this.contentChars, price);
  }
}
