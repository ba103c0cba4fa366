import { parseObject, type Json } from '../wire-format.js';

/**
 * A JSON scalar with no escape in it: a string without `\`, `"` or a control character, a number without an
 * exponent, null, true, false.
 */
const SCALAR = String.raw`(?:"[^"\\\x00-\x1f]*"|-?(?:0|[1-9]\d*)(?:\.\d+)?|null|true|false)`;
/**
 * A key and scalar value; `usage` only as null (a usage object is metered from the parsed chunk), and never `choices`
 * or `delta` again (the last of two keys is the one that counts).
 */
const FIELD = String.raw`(?:"(?!usage"|choices"|delta")\w+":${SCALAR}|"usage":null)`;
/** A delta of text: an optional assistant role, its content (captured), an optional null refusal; or nothing. */
const DELTA = String.raw`\{(?:(?:"role":"assistant",)?"content":"([^"\\\x00-\x1f]*)"(?:,"refusal":null)?)?\}`;

/**
 * The common OpenAI stream chunk, written compactly as upstreams do: scalar fields, one choice whose delta holds
 * plain text or nothing, then scalar fields (`"usage":null` among them). It matches valid JSON only, and only
 * chunks whose one piece of metered text is the captured content, so what it matches is metered exactly as the
 * parsed chunk would be. A chunk with tool calls, usage, logprobs, several choices, escapes or other whitespace is
 * not matched, and is parsed.
 */
const PLAIN_CHUNK = new RegExp(
  String.raw`^\{(?:${FIELD},)*"choices":\[\{"index":(?:0|[1-9]\d*),"delta":${DELTA}(?:,${FIELD})*\}\](?:,${FIELD})*\}$`,
);

/**
 * The characters of delta text in an OpenAI stream chunk's JSON text, when the chunk is the common kind that holds
 * nothing else to meter; undefined when it must be parsed. One compiled match costs about a sixth of `JSON.parse`,
 * and a stream is mostly such chunks (issue 32).
 */
export function plainChunkChars(data: string): number | undefined {
  const match = PLAIN_CHUNK.exec(data);
  return match === null ? undefined : (match[1]?.length ?? 0);
}

/**
 * A chunk known by its text and its delta's length: an OpenAI caller gets `raw` as it came and the meter counts
 * `textChars`, so nothing parses it; whatever reads `chunk` (a caller of another format, the cache, redaction's
 * restore) parses it then, once.
 */
export class PlainChunk {
  private parsed: Json | undefined;

  constructor(
    readonly raw: string,
    readonly textChars: number,
  ) {}

  get chunk(): Json {
    return (this.parsed ??= parseObject(this.raw, 'a stream event'));
  }
}
