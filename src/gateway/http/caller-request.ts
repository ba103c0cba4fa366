import type { CanonicalRequest } from '../../engine/request-facts.js';
import type { Endpoint, Json, WireFormat } from '../formats/wire-format.js';

/**
 * A caller's body as the gateway's request: its translation for the planner and the routes of other formats,
 * and the body itself as it arrived, which the detector reads and an as-sent route is sent. The one place a
 * request body enters, so what is read and what leaves are made from the same object.
 */
export function readCallerRequest(caller: WireFormat, endpoint: Endpoint, body: Json): CanonicalRequest {
  return { endpoint, body: caller.readRequest(body), sent: body } as CanonicalRequest;
}
