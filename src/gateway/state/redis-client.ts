import { Redis } from 'ioredis';
import { GatewayError } from '../errors.js';

/** The longest a call on the request path may wait for Redis before the request fails closed. */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * A Redis client for the request path, with `scripts` registered (sent by SHA once loaded). No offline queue
 * and no retries: while Redis is away a call fails at once, and one sent as the connection dropped fails
 * after COMMAND_TIMEOUT_MS — a request is refused, never left waiting. The client reconnects by itself.
 */
export async function connectRedis(url: string, scripts: Readonly<Record<string, string>> = {}): Promise<Redis> {
  // A command whose answer was lost with the connection is not sent again behind the caller's back: its outcome
  // is unknown, and the caller (a settlement kept for later, a request refused) decides what follows.
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    lazyConnect: true,
  });
  redis.on('error', () => undefined); // reported per call
  for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { numberOfKeys: 0, lua });
  await redis.connect();
  return redis;
}

/**
 * Runs a Redis call; any failure is `state_unavailable` (429): what `guards` names (budgets, rate limits) fails closed.
 */
export async function orUnavailable<T>(guards: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new GatewayError(
      'state_unavailable',
      `The shared state (Redis) is not answering; ${guards} fail closed until it is back.`,
      { cause: err },
    );
  }
}
