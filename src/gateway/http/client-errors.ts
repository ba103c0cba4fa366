import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { GatewayError } from '../errors.js';
import { WIRE_FORMATS } from '../formats/registry.js';

/** Node's parser and timeout errors that reach the socket before any route does. */
function errorOf(err: NodeJS.ErrnoException): GatewayError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new GatewayError('headers_too_large', 'The request headers are larger than this gateway accepts.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new GatewayError(
        'request_timeout',
        'The request was not received in time; send the whole request at once.',
      );
    default:
      return new GatewayError('malformed_http', `The request is not valid HTTP/1.1 (${err.code ?? 'parse error'}).`);
  }
}

/**
 * Answers what Node's HTTP parser refuses (conflicting Content-Length and Transfer-Encoding, headers too
 * large, a request sent too slowly) in OpenAI's error shape, like every other error, then closes.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.destroyed || !socket.writable) return;
  const error = errorOf(err);
  const body = JSON.stringify(WIRE_FORMATS.openai.errorBody(error));
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
