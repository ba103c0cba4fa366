import { request } from 'undici';
import { CommandFailed, UsageError } from '../cli-error.js';

/** Where the admin commands reach a running gateway: `--url`, and its admin key from the environment. */
export interface AdminTarget {
  readonly url?: string;
}

/** What a gateway refused (a 4xx: the input, exit 2) or could not do (a 5xx, no answer: exit 1). */
const failed = (message: string, status: number) => new CommandFailed(message, status >= 400 && status < 500 ? 2 : 1);

const DEFAULT_URL = 'http://127.0.0.1:4000';

type Json = Record<string, unknown>;

/**
 * Calls the gateway's admin API with `SWITCHYARD_ADMIN_KEY`. The answer's JSON, or an `AdminApiError` carrying
 * the gateway's own error message and code.
 */
export async function adminCall(target: AdminTarget, method: string, path: string, body?: unknown): Promise<Json> {
  const key = process.env.SWITCHYARD_ADMIN_KEY;
  if (!key) throw new UsageError('set SWITCHYARD_ADMIN_KEY to the gateway admin key (server.admin_key)');
  const base = (target.url ?? process.env.SWITCHYARD_URL ?? DEFAULT_URL).replace(/\/$/, '');
  let res;
  try {
    res = await request(`${base}${path}`, {
      method: method as 'GET',
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
  } catch (err) {
    throw failed(`cannot reach the gateway at ${base}: ${(err as Error).message}`, 0);
  }
  const text = await res.body.text();
  let answer: Json;
  try {
    answer = JSON.parse(text) as Json;
  } catch {
    throw failed(`${base}${path} answered ${res.statusCode} with no JSON: is it a Switchyard gateway?`, 0);
  }
  if (res.statusCode >= 400) {
    const error = (answer.error ?? {}) as { message?: string; code?: string };
    throw failed(`${error.code ?? res.statusCode}: ${error.message ?? text}`, res.statusCode);
  }
  return answer;
}

/** A comma-separated list flag (`--models a,b`). */
export const listOf = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** A flag that must be a number of dollars. */
export function usdOf(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number of dollars, not '${value}'`);
  return n;
}

/** Drops the fields left undefined, so the body holds only what was given. */
export const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
