import type { Redis } from 'ioredis';
import type { AlertClaims } from '../record/budget-alerts.js';
import { connectRedis } from './redis-client.js';

/** A claim outlives the longest window it names (a month) with a margin. */
const CLAIM_TTL_MS = 40 * 86_400_000;

/** Alert claims in the shared Redis (`state:` without a store): `SET NX`, so one instance of all claims each. */
export class RedisAlertClaims implements AlertClaims {
  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  static async connect(url: string, prefix: string): Promise<RedisAlertClaims> {
    return new RedisAlertClaims(await connectRedis(url), prefix);
  }

  async claim(holder: string, windowStart: string, percent: number): Promise<boolean> {
    const key = `${this.prefix}:alert:${holder}:${windowStart}:${percent}`;
    return (await this.redis.set(key, '1', 'PX', CLAIM_TTL_MS, 'NX')) === 'OK';
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
