import type { Json } from '../formats/wire-format.js';

/** What is kept of an answer: the answer in the gateway's shape (placeholders, never restored values) and its maker. */
export interface CachedAnswer {
  readonly answer: Json;
  readonly route: string;
  readonly kind: string;
  readonly model: string;
  readonly upstreamModel: string;
  /** What the answer cost when it was made, pico-dollars (as text: JSON has no bigint): a hit saves it. */
  readonly costPico: string;
}

/** Where answers are kept. A call that fails (Redis away) throws: the request is served without the cache. */
export interface ResponseCache {
  /** Shared between instances (Redis): restricted traffic never uses such a store. */
  readonly shared: boolean;
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, value: CachedAnswer, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * This instance's memory: at most `maxEntries` answers, the least recently used evicted first, each expiring at its
 * TTL on the gateway's clock (a test's clock moves it).
 */
export class MemoryResponseCache implements ResponseCache {
  readonly shared = false;
  private readonly entries = new Map<string, { value: CachedAnswer; expiresMs: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  async get(key: string): Promise<CachedAnswer | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresMs <= this.now()) return undefined;
    this.entries.set(key, entry); // most recently used last
    return entry.value;
  }

  async set(key: string, value: CachedAnswer, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresMs: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
