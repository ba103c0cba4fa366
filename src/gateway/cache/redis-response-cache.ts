import type { Redis } from 'ioredis';
import { connectRedis } from '../state/redis-client.js';
import type { CachedAnswer, ResponseCache } from './response-cache.js';

/** Answers shared by every instance, in Redis under `{prefix}cache:{key}`, each expiring at its TTL (`PX`). */
export class RedisResponseCache implements ResponseCache {
  readonly shared = true;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  static async connect(url: string, prefix: string): Promise<RedisResponseCache> {
    return new RedisResponseCache(await connectRedis(url), prefix);
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const text = await this.redis.get(`${this.prefix}cache:${key}`);
    return text === null ? undefined : (JSON.parse(text) as CachedAnswer);
  }

  async set(key: string, value: CachedAnswer, ttlMs: number): Promise<void> {
    await this.redis.set(`${this.prefix}cache:${key}`, JSON.stringify(value), 'PX', ttlMs);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
