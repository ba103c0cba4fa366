import { estimateTokensOfChars } from '../engine/estimate-tokens.js';
import { costOfUsage, type ModelPrice } from '../engine/prices.js';
import type { MeteredUsage } from './usage.js';

/** Usage and its exact cost for one served request, estimated from the text when the upstream reported none. */
export function meter(reported: MeteredUsage | undefined, inputEstimate: number, outputChars: number, price: ModelPrice): { usage: MeteredUsage; costPico: bigint } {
  const usage = reported ?? { input: inputEstimate, output: estimateTokensOfChars(outputChars), cachedInput: 0, reasoning: 0, estimated: true };
  return { usage, costPico: BigInt(costOfUsage(usage, price)) };
}

/** Characters of text in a non-streamed OpenAI answer (for estimates). */
export function answerChars(json: { choices?: { message?: { content?: unknown } }[] }): number {
  let chars = 0;
  for (const c of json.choices ?? []) if (typeof c.message?.content === 'string') chars += c.message.content.length;
  return chars;
}

