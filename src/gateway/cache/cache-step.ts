import type { IncomingHttpHeaders } from 'node:http';
import type { CacheConfig } from '../../config/config-schema.js';
import type { Candidate, Decision } from '../../engine/decision.js';
import { cacheScope } from '../../engine/cache-scope.js';
import { costOfUsagePico, ZERO_PRICE } from '../../engine/prices.js';
import type { Tenant } from '../../engine/routing-config.js';
import { chatChunk, usageChunk, type Json, type StreamItem } from '../formats/wire-format.js';
import type { Outcome } from '../outcome.js';
import { usageFromOpenAi } from '../relay/usage.js';
import { cacheKey } from './cache-key.js';
import type { CachedAnswer, MemoryResponseCache, ResponseCache } from './response-cache.js';

/** The stores a gateway with `cache:` has: this instance's memory always, Redis when `store: redis`. */
export interface ResponseCaches {
  readonly config: CacheConfig;
  readonly memory: MemoryResponseCache;
  readonly shared?: ResponseCache;
}

/** What the cache does for one request: `hit` answered from it, `miss` answered and kept, `bypass` neither. */
export type CacheStatus = 'hit' | 'miss' | 'bypass';

/** How one request uses the cache: read it, write it, both, for how long and where. */
export interface CacheUse {
  readonly key: string;
  readonly read: boolean;
  readonly write: boolean;
  readonly ttlMs: number;
  readonly store: ResponseCache;
  readonly maxEntryBytes: number;
}

/** `cache-control: no-store`, `no-cache`, `max-age=N` as the request gives them. */
function directives(headers: IncomingHttpHeaders): { noStore: boolean; noCache: boolean; maxAge?: number } {
  const value = String(headers['cache-control'] ?? '').toLowerCase();
  const maxAge = /(?:^|,)\s*max-age\s*=\s*(\d{1,9})/.exec(value)?.[1];
  return {
    noStore: /(?:^|,)\s*no-store\b/.test(value),
    noCache: /(?:^|,)\s*no-cache\b/.test(value),
    ...(maxAge === undefined ? {} : { maxAge: Number(maxAge) }),
  };
}

/** An answer sampled at temperature above 0 with no seed is one of many: not kept unless the tenant says so. */
const deterministic = (body: Json, tenant: Tenant) =>
  body.temperature === 0 || typeof body.seed === 'number' || tenant.cache?.nondeterministic === true;

/**
 * Whether and how a planned request uses the cache; undefined when it bypasses it: no cache configured, the tenant
 * out, `no-store`, a sampled answer, nowhere to serve it, or — an invariant, not a default — a request at the top level
 * and a shared store (with `restricted: onprem_memory`, such a request served on-prem uses this instance's memory).
 */
export function cacheUse(
  caches: ResponseCaches | undefined,
  tenant: Tenant,
  endpoint: string,
  body: Json,
  decision: Decision,
  topLevel: string,
  headers: IncomingHttpHeaders,
): CacheUse | undefined {
  if (!caches || tenant.cache?.enabled === false || endpoint !== 'chat') return undefined;
  const first = decision.candidates[0];
  const asked = directives(headers);
  if (!first || asked.noStore || !deterministic(body, tenant)) return undefined;
  const scope = cacheScope(caches.config.restricted, decision.sensitivity === topLevel, first.kind);
  if (!scope) return undefined;
  const store = scope === 'instance' ? caches.memory : (caches.shared ?? caches.memory);
  const ttlSeconds = asked.maxAge ?? tenant.cache?.ttl_seconds ?? caches.config.ttl_seconds;
  return {
    key: cacheKey(tenant.id, endpoint, body, first.kind, decision.sensitivity),
    read: !asked.noCache,
    write: ttlSeconds > 0,
    ttlMs: ttlSeconds * 1000,
    store,
    maxEntryBytes: caches.config.max_entry_bytes,
  };
}

/** The served candidate of a hit: the route that made the answer, at no price (a hit costs nothing). */
function servedFrom(cached: CachedAnswer, first: Candidate): Candidate {
  return {
    ...first,
    route: cached.route,
    kind: cached.kind as Candidate['kind'],
    model: cached.model,
    upstreamModel: cached.upstreamModel,
    price: ZERO_PRICE,
    expectedCostPico: 0,
    maxCostPico: 0,
  };
}

/** A kept answer as the stream a streaming caller gets: its text, its tool calls, its finish and its usage. */
function answerStream(answer: Json): StreamItem[] {
  const id = String(answer.id ?? 'cached');
  const model = String(answer.model ?? '');
  const choice = (answer.choices?.[0] ?? {}) as Json;
  const message = (choice.message ?? {}) as Json;
  const items: StreamItem[] = [chatChunk(id, model, { role: 'assistant', content: '' })];
  if (typeof message.content === 'string' && message.content !== '')
    items.push(chatChunk(id, model, { content: message.content }));
  ((message.tool_calls ?? []) as Json[]).forEach((call, index) =>
    items.push(chatChunk(id, model, { tool_calls: [{ index, ...call }] })),
  );
  items.push(chatChunk(id, model, {}, String(choice.finish_reason ?? 'stop')));
  if (answer.usage) items.push(usageChunk(id, model, answer.usage as Json));
  return items;
}

async function* nothingMore(): AsyncGenerator<readonly StreamItem[]> {}

/** A hit: the kept answer as the caller asked for it, free; undefined on a miss or a store that did not answer. */
export async function lookup(
  use: CacheUse,
  decision: Decision,
  stream: boolean,
): Promise<{ readonly outcome: Outcome; readonly savedPico: bigint } | undefined> {
  if (!use.read) return undefined;
  let cached: CachedAnswer | undefined;
  try {
    cached = await use.store.get(use.key);
  } catch {
    return undefined; // the store away: served as if missed, and not kept either (the write fails alike)
  }
  const first = decision.candidates[0];
  if (!cached || !first) return undefined;
  const served = servedFrom(cached, first);
  const metered = { usage: { input: 0, output: 0, reasoning: 0, estimated: false }, costPico: 0n };
  const outcome: Outcome = stream
    ? { kind: 'stream', served, first: answerStream(cached.answer), rest: nothingMore(), attempts: [], ttftMs: 0 }
    : { kind: 'answer', served, answer: cached.answer, metered, attempts: [], ttftMs: 0 };
  return { outcome, savedPico: BigInt(cached.costPico) };
}

/** An answer kept as made (placeholders, never restored values), if it fits; a store that fails is let be. */
async function keepAnswer(use: CacheUse, answer: Json, served: Candidate, costPico: bigint): Promise<void> {
  const value: CachedAnswer = {
    answer,
    route: served.route,
    kind: served.kind,
    model: served.model,
    upstreamModel: served.upstreamModel,
    costPico: String(costPico),
  };
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text) > use.maxEntryBytes) return;
  await use.store.set(use.key, value, use.ttlMs).catch(() => undefined);
}

/** A streamed answer put together from its chunks, for keeping: text, tool calls, finish, usage. */
function assembled(items: readonly StreamItem[]): Json | undefined {
  let content = '';
  let finish: string | null = null;
  let usage: Json | undefined;
  let base: Json | undefined;
  const calls = new Map<number, Json>();
  for (const item of items) {
    if ('error' in item) return undefined;
    const c = item.chunk;
    base ??= c;
    if (c.usage) usage = c.usage;
    for (const choice of (c.choices ?? []) as Json[]) {
      const delta = (choice.delta ?? {}) as Json;
      if (typeof delta.content === 'string') content += delta.content;
      for (const call of (delta.tool_calls ?? []) as Json[]) {
        const held = calls.get(call.index) ?? { id: call.id, type: 'function', function: { name: '', arguments: '' } };
        if (call.id) held.id = call.id;
        if (call.function?.name) held.function.name = call.function.name;
        held.function.arguments += call.function?.arguments ?? '';
        calls.set(call.index, held);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  if (!base || finish === null) return undefined;
  const toolCalls = [...calls.values()];
  return {
    id: base.id,
    object: 'chat.completion',
    created: base.created ?? 0,
    model: base.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: toolCalls.length && !content ? null : content,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finish,
      },
    ],
    ...(usage ? { usage } : {}),
  };
}

/**
 * A miss: the outcome as it goes to the caller, kept on the way — a whole answer now, a stream once it completes
 * without an error (its items are gathered as they pass; nothing is held back from the caller).
 */
export function keeping(use: CacheUse, outcome: Outcome): Outcome {
  if (!use.write) return outcome;
  switch (outcome.kind) {
    case 'answer':
      void keepAnswer(use, outcome.answer, outcome.served, outcome.metered.costPico);
      return outcome;
    case 'raw-answer': {
      try {
        void keepAnswer(use, JSON.parse(outcome.text) as Json, outcome.served, outcome.metered.costPico);
      } catch {
        // Not JSON after all: nothing to keep.
      }
      return outcome;
    }
    case 'stream': {
      const { first, rest, served } = outcome;
      async function* gathered(): AsyncGenerator<readonly StreamItem[]> {
        const seen: StreamItem[] = [...first];
        yield first;
        for await (const items of rest) {
          seen.push(...items);
          yield items;
        }
        const answer = assembled(seen);
        // What a hit saves: the stream's own usage at the route's price; the planner's estimate when it sent none.
        const usage = usageFromOpenAi(answer?.usage);
        const costPico = usage ? costOfUsagePico(usage, served.price) : BigInt(served.expectedCostPico);
        if (answer) await keepAnswer(use, answer, served, costPico);
      }
      return { ...outcome, first: [], rest: gathered() };
    }
    default:
      return outcome;
  }
}
