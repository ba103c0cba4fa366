/**
 * Content a request carries encoded: `data:` URLs (OpenAI's images and files, Responses' `input_file`) and
 * base64 sources (Anthropic's `{type: 'base64', media_type, data}`, Gemini's `{mime_type, data}`, OpenAI's
 * `input_audio: {data, format}`). Text-like types are decoded for the detector, up to a bound; anything else
 * is unreadable, never skipped: the caller's config says what unreadable content means (`auto_tag_unreadable`).
 */

/** What one piece of encoded content is to the detector: its text, or why it could not be read. */
export type Decoded = { readonly text: string } | { readonly unreadable: string };

const TOKEN = "[a-z0-9!#$&'*+.^_`|~-]+";
/** `data:[<type>/<subtype>][;param=value]*[;base64],` — a string that only starts with `data:` is plain text. */
const DATA_URL = new RegExp(`^data:(${TOKEN}/${TOKEN})?((?:;${TOKEN}=(?:${TOKEN}|"[^"]*"))*)(;base64)?,`, 'i');
const CHARSET = /;charset="?([^";]+)"?/i;
const TEXT_TYPES =
  /^(?:text\/.+|application\/(?:json|xml|yaml|x-yaml|toml|csv|sql|javascript|ecmascript|x-ndjson|ndjson|x-www-form-urlencoded|graphql|x-sh|rtf)|[a-z]+\/[^;]*\+(?:json|xml|yaml))$/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const WHITESPACE = /\s+/g;

/** The header of a `data:` URL, or undefined for a string that is not one. */
export function dataUrlHeader(
  value: string,
): { readonly header: string; readonly type: string; readonly charset?: string; readonly base64: boolean } | undefined {
  if (!value.startsWith('data:')) return undefined;
  const m = DATA_URL.exec(value);
  if (!m) return undefined;
  const charset = CHARSET.exec(m[2] ?? '')?.[1];
  return {
    header: m[0],
    type: (m[1] ?? 'text/plain').toLowerCase(),
    ...(charset ? { charset } : {}),
    base64: m[3] !== undefined,
  };
}

function bytesOfBase64(b64: string): Uint8Array | undefined {
  const clean = b64.replace(WHITESPACE, '');
  if (!BASE64.test(clean)) return undefined;
  try {
    const binary = atob(clean.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

const isHex = (b: number | undefined) =>
  b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));

/** `%XX` escapes as bytes, every other character as its UTF-8 bytes; undefined for a broken escape. */
function bytesOfPercentEncoding(text: string): Uint8Array | undefined {
  const raw = new TextEncoder().encode(text);
  const bytes = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x25) bytes[n++] = raw[i] as number;
    else if (isHex(raw[i + 1]) && isHex(raw[i + 2])) {
      bytes[n++] = parseInt(String.fromCharCode(raw[i + 1] as number, raw[i + 2] as number), 16);
      i += 2;
    } else return undefined;
  }
  return bytes.subarray(0, n);
}

/**
 * Encoded content as text, when its type is text-like, its encoding sound and its decoded size within
 * `budget` bytes. `payload` is base64 or, for a `data:` URL without `;base64`, percent-encoded.
 */
export function decodeContent(
  type: string,
  payload: string,
  base64: boolean,
  budget: number,
  charset = 'utf-8',
): Decoded {
  if (!TEXT_TYPES.test(type)) return { unreadable: `${type} is not text` };
  const size = base64 ? Math.floor((payload.length * 3) / 4) : payload.length;
  if (size > budget) return { unreadable: `${type} content over the ${budget}-byte decoding bound` };
  const bytes = base64 ? bytesOfBase64(payload) : bytesOfPercentEncoding(payload);
  if (!bytes) return { unreadable: `${type} content that is not valid ${base64 ? 'base64' : 'percent-encoding'}` };
  try {
    return { text: new TextDecoder(charset, { fatal: true }).decode(bytes) };
  } catch {
    return { unreadable: `${type} content that is not ${charset} text` };
  }
}

/** A `data:` URL's content; undefined when the string is not a `data:` URL (it is text, and read as text). */
export function decodeDataUrl(value: string, budget: number): Decoded | undefined {
  const header = dataUrlHeader(value);
  if (!header) return undefined;
  return decodeContent(header.type, value.slice(header.header.length), header.base64, budget, header.charset);
}

/**
 * The base64 source objects of the formats the gateway speaks: `{data, media_type | mime_type | mimeType}` with
 * no `type` or `type: 'base64'` (Anthropic, Gemini), and `{data, format}` (OpenAI's `input_audio`).
 */
export function decodeBase64Source(object: Readonly<Record<string, unknown>>, budget: number): Decoded | undefined {
  const data = object.data;
  if (typeof data !== 'string' || data.startsWith('data:')) return undefined;
  if (object.type !== undefined && object.type !== 'base64') return undefined;
  const type = object.media_type ?? object.mime_type ?? object.mimeType;
  if (typeof type === 'string') return decodeContent(type.toLowerCase(), data, true, budget);
  if (typeof object.format === 'string') return { unreadable: `audio/${object.format} is not text` };
  return undefined;
}
