import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

/** The machine's Redis, which the Redis suites use (skipped with a reason when none answers). */
export const REDIS_URL = 'redis://127.0.0.1:6379';

export const redisUp = await new Promise<boolean>((resolve) => {
  const socket = connect(6379, '127.0.0.1', () => (socket.end(), resolve(true)));
  socket.on('error', () => resolve(false));
});

/** A fresh key prefix per call, for the calling suite; every key under them is removed after it. */
export function keyPrefixes(label: string): () => string {
  const prefixes: string[] = [];
  afterAll(async () => {
    if (!redisUp) return;
    const redis = new Redis(REDIS_URL);
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });
  return () => {
    const p = `${label}:${randomUUID().slice(0, 8)}`;
    prefixes.push(p);
    return p;
  };
}

/** A TCP relay in front of Redis, standing in for Redis going away (`cut`) and coming back (`restore`). */
export async function redisRelay() {
  let cut = false;
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = connect(6379, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => (client.destroy(), upstream.destroy());
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  return {
    url: `redis://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    cut: () => {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore: () => void (cut = false),
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
