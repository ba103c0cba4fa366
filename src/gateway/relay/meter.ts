import { estimateTokensOfChars } from '../../engine/estimate-tokens.js';
import { costOfUsagePico, type ModelPrice } from '../../engine/prices.js';
import type { Json, StreamItem } from '../formats/wire-format.js';
import { openAiUsage, usageBound, usageFromOpenAi, withinBound, type MeteredUsage, type RequestSize } from './usage.js';

export interface Metered {
  readonly usage: MeteredUsage;
  /** Exact cost at the serving route's price, pico-dollars. */
  readonly costPico: bigint;
  /** Why the upstream's usage was not believed as reported (it was past what the request could produce). */
  readonly problem?: string;
}

/**
 * Usage and its exact cost for one served request: estimated from the text when the upstream reported none,
 * and never more than the request could have produced (`usageBound`).
 */
export function meter(
  reported: MeteredUsage | undefined,
  size: RequestSize,
  outputChars: number,
  price: ModelPrice,
): Metered {
  const raw = reported ?? {
    input: size.inputEstimate,
    output: estimateTokensOfChars(outputChars),
    cachedInput: 0,
    reasoning: 0,
    estimated: true,
  };
  const { usage, problem } = withinBound(raw, usageBound(size, price));
  return { usage, costPico: costOfUsagePico(usage, price), ...(problem === undefined ? {} : { problem }) };
}

/** Characters of text in a non-streamed answer (for estimates). */
function answerChars(answer: Json): number {
  let chars = 0;
  for (const c of (answer.choices as { message?: { content?: unknown } }[] | undefined) ?? [])
    if (typeof c.message?.content === 'string') chars += c.message.content.length;
  return chars;
}

export function meterAnswer(answer: Json, size: RequestSize, price: ModelPrice): Metered {
  return meter(usageFromOpenAi(answer.usage), size, answerChars(answer), price);
}

/** The answer a caller gets: with the usage it was billed when the upstream's was not believed. */
export const answerAsBilled = (answer: Json, metered: Metered): Json =>
  metered.problem === undefined ? answer : { ...answer, usage: openAiUsage(metered.usage) };

/**
 * Reads a stream's items as they pass to the caller: keeps the usage chunk's counts (the gateway always
 * asks the upstream for it) and drops that chunk when the caller did not ask, and counts the streamed text
 * so an upstream that reports no usage — or a stream cut short — can still be estimated.
 */
export class StreamMeter {
  private reported: MeteredUsage | undefined;
  private contentChars = 0;

  constructor(
    private readonly keepUsageChunk: boolean,
    private readonly size: RequestSize,
    private readonly price: ModelPrice,
  ) {}

  /** The item to pass on, or undefined to drop it. */
  observe(item: StreamItem): StreamItem | undefined {
    if (!('chunk' in item)) return item;
    if (item.textChars !== undefined) {
      this.contentChars += item.textChars;
      return item;
    }
    const chunk = item.chunk;
    const choices = chunk.choices as
      { delta?: { content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] } }[] | undefined;
    for (const c of choices ?? []) {
      if (typeof c.delta?.content === 'string') this.contentChars += c.delta.content.length;
      for (const call of c.delta?.tool_calls ?? [])
        if (typeof call.function?.arguments === 'string') this.contentChars += call.function.arguments.length;
    }
    if (chunk.usage !== undefined && chunk.usage !== null) {
      this.reported = usageFromOpenAi(chunk.usage) ?? this.reported;
      if (!this.keepUsageChunk && (choices?.length ?? 0) === 0) return undefined;
      // The caller is told what it is billed: usage past the request's bound is the bound.
      const billed = this.reported && withinBound(this.reported, usageBound(this.size, this.price));
      if (billed?.problem !== undefined) return { chunk: { ...chunk, usage: openAiUsage(billed.usage) } };
    }
    return item;
  }

  /** What the relayed part cost: reported usage when the stream delivered it, else an estimate. */
  metered(): Metered {
    return meter(this.reported, this.size, this.contentChars, this.price);
  }
}
