import type { Endpoint, Json } from '../formats/wire-format.js';

/**
 * The `usage` object of an OpenAI answer's JSON text, found without parsing the whole answer: from its last
 * `"usage":` key, the balanced object after it (strings and escapes respected) is parsed alone. Undefined when
 * there is none, or it does not parse.
 */
export function usageInText(text: string): Json | undefined {
  const key = text.lastIndexOf('"usage"');
  if (key < 0) return undefined;
  let i = key + 7;
  while (
    i < text.length &&
    (text[i] === ' ' || text[i] === ':' || text[i] === '\n' || text[i] === '\t' || text[i] === '\r')
  )
    i++;
  if (text[i] !== '{') return undefined;
  let depth = 0;
  let inString = false;
  for (let j = i; j < text.length; j++) {
    const ch = text.charCodeAt(j);
    if (inString) {
      if (ch === 92 /* \\ */) j++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 /* { */) depth++;
    else if (ch === 125 /* } */ && --depth === 0) {
      try {
        return JSON.parse(text.slice(i, j + 1)) as Json;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Whether a 2xx body looks like an OpenAI answer for the endpoint, without parsing it: a JSON object (first
 * and last non-blank characters) naming its result key. An HTML page or a proxy's `{"status":"ok"}` does not.
 */
export function looksLikeAnswer(endpoint: Endpoint, text: string): boolean {
  const start = text.search(/\S/);
  let end = text.length - 1;
  while (end > 0 && /\s/.test(text[end] as string)) end--;
  return (
    start >= 0 &&
    text[start] === '{' &&
    text[end] === '}' &&
    text.includes(endpoint === 'chat' ? '"choices"' : '"data"')
  );
}
