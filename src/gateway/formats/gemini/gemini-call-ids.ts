/**
 * Where a function call's thought signature rides in its OpenAI tool-call id. Gemini 3 refuses the next turn unless
 * each call comes back with its signature, and an OpenAI caller sends back nothing of a call but its id and arguments.
 */
export const SIGNATURE = '~ts~';

/** A tool-call id as Gemini's call id and the call's thought signature, when it carries one. */
export function splitCallId(id: string): { id: string; thoughtSignature?: string } {
  const at = id.indexOf(SIGNATURE);
  return at < 0 ? { id } : { id: id.slice(0, at), thoughtSignature: id.slice(at + SIGNATURE.length) };
}
