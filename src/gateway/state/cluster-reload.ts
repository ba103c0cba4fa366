import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { connectRedis } from './redis-client.js';

/** What one instance answered to a reload. */
export interface ReloadAnswer {
  readonly instance: string;
  readonly status: 'reloaded' | 'refused' | 'no_answer';
  readonly message?: string;
}

/** Reloads the config in this process: an error message when the new config is refused (the old one stays). */
export type ReloadHere = () => Promise<{ readonly ok: true } | { readonly ok: false; readonly message: string }>;

/** An instance that has not beaten for this long is gone. */
const ALIVE_MS = 3000;
const HEARTBEAT_MS = 1000;
/** How long a reload waits for the other instances' answers. */
const ANSWER_WITHIN_MS = 5000;

/**
 * The instances sharing one Redis, as far as reloads go: each beats every second in a sorted set (so the
 * instances alive are known), and a reload asked of one is published to all; each reloads its own config,
 * keeps the old one if the new one is refused, and answers. The asker waits for every live instance's answer.
 */
export class ClusterReload {
  /** This instance, as the answers and the log name it. */
  readonly instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 4)}`;
  private handler: ReloadHere | undefined;
  private readonly waiting = new Map<string, (answer: ReloadAnswer) => void>();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
  ) {
    this.timer = setInterval(() => void this.beat().catch(() => undefined), HEARTBEAT_MS);
    this.timer.unref();
  }

  static async connect(url: string, prefix: string): Promise<ClusterReload> {
    const subscriber = new Redis(url, { lazyConnect: true });
    subscriber.on('error', () => undefined);
    const [redis] = await Promise.all([connectRedis(url), subscriber.connect()]);
    const cluster = new ClusterReload(redis, subscriber, prefix);
    await subscriber.subscribe(cluster.channel('reload'), cluster.channel('answer'));
    subscriber.on('message', (channel: string, message: string) => void cluster.heard(channel, message));
    await cluster.beat();
    return cluster;
  }

  /** What this instance does when another asks for a reload. */
  onReload(handler: ReloadHere): void {
    this.handler = handler;
  }

  /** Asks every other live instance to reload; one answer each, `no_answer` for those silent within 5 s. */
  async broadcast(): Promise<ReloadAnswer[]> {
    const now = Date.now();
    const others = (await this.redis.zrangebyscore(this.key('instances'), now - ALIVE_MS, '+inf'))
      .filter((i) => i !== this.instance)
      .sort();
    const id = randomUUID();
    const answers = new Map<string, ReloadAnswer>();
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(resolve, ANSWER_WITHIN_MS);
      const done = () => {
        clearTimeout(timeout);
        resolve();
      };
      this.waiting.set(id, (answer) => {
        answers.set(answer.instance, answer);
        if (others.every((i) => answers.has(i))) done();
      });
      if (others.length === 0) done();
      else void this.redis.publish(this.channel('reload'), JSON.stringify({ id, from: this.instance })).catch(done);
    });
    this.waiting.delete(id);
    return others.map((instance) => answers.get(instance) ?? { instance, status: 'no_answer' });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.zrem(this.key('instances'), this.instance).catch(() => undefined);
    this.subscriber.disconnect();
    this.redis.disconnect();
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    await this.redis
      .multi()
      .zadd(this.key('instances'), now, this.instance)
      .zremrangebyscore(this.key('instances'), '-inf', now - 10 * ALIVE_MS)
      .exec();
  }

  private async heard(channel: string, message: string): Promise<void> {
    let parsed: { id?: unknown; from?: unknown; instance?: unknown; status?: unknown; message?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return; // not one of ours
    }
    if (typeof parsed.id !== 'string') return;
    if (channel === this.channel('answer')) {
      const answer = parsed as ReloadAnswer;
      this.waiting.get(parsed.id)?.({
        instance: answer.instance,
        status: answer.status,
        ...(answer.message === undefined ? {} : { message: answer.message }),
      });
      return;
    }
    if (parsed.from === this.instance || !this.handler) return;
    const outcome = await this.handler().catch((err: unknown) => ({
      ok: false as const,
      message: (err as Error).message,
    }));
    const answer = {
      id: parsed.id,
      instance: this.instance,
      status: outcome.ok ? 'reloaded' : 'refused',
      ...(outcome.ok ? {} : { message: outcome.message }),
    };
    await this.redis.publish(this.channel('answer'), JSON.stringify(answer)).catch(() => undefined);
  }

  private channel(name: string): string {
    return `${this.prefix}:reload:${name}`;
  }

  private key(name: string): string {
    return `${this.prefix}:${name}`;
  }
}
