import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';

const { chindingsSym, streamSym, timeSym, messageKeySym } = pino.symbols;

/**
 * Writes a request's one line at info level, in pino's own shape
 * (`{"level":30,"time":…,"pid":…,"hostname":…,"reqId":…,<fields>,"msg":…}`), with one `JSON.stringify` of
 * the fields: pino's generic walk of the object, value by value, was a twentieth of the gateway's
 * allocations per request (issue 32). A logger that is not pino's (`logger: false`) is called as usual.
 */
export function writeRequestLine(log: FastifyBaseLogger, fields: object, msg: string): void {
  const internal = <T>(symbol: symbol) => (log as unknown as Record<symbol, unknown>)[symbol] as T | undefined;
  const stream = internal<{ write(line: string): unknown }>(streamSym);
  const chindings = internal<string>(chindingsSym);
  const time = internal<() => string>(timeSym);
  const enabled = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
  if (!stream || typeof chindings !== 'string' || typeof time !== 'function' || typeof enabled !== 'function') {
    log.info(fields, msg);
    return;
  }
  if (!enabled.call(log, 'info')) return;
  const body = JSON.stringify(fields);
  const messageKey = JSON.stringify(internal<string>(messageKeySym) ?? 'msg');
  stream.write(
    `{"level":30${time.call(log)}${chindings}${body.length > 2 ? `,${body.slice(1, -1)}` : ''},${messageKey}:${JSON.stringify(msg)}}\n`,
  );
}
