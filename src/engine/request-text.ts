/**
 * Every piece of text a request sends upstream, for the detector: one walk over the whole (OpenAI-shaped)
 * body — messages, content parts, names, tools and their schemas, tool calls as strings or objects, tool
 * results, `prediction`, `user`, `metadata`, the system prompt — so no field is left unread because
 * nobody listed it. Keys are not text; binary data URLs (images) are skipped, small base64 text is decoded.
 */

/** Larger text attachments are scanned as sent (their base64), not decoded: bounded work per request. */
const MAX_DECODED_BYTES = 64 * 1024;
const TEXT_DATA_URL = /^data:text\/[^;,]*(?:;[^;,]*)*;base64,/;
/** Fields that name, not say: a model or role name is never personal data and is not scanned. */
const NOT_TEXT = new Set(['model', 'role', 'type', 'encoding_format']);

/** Base64 UTF-8 text, decoded; malformed base64 is scanned as written. */
function decodeBase64Text(b64: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return b64;
  }
}

export function* requestStrings(value: unknown, key = ''): Generator<string> {
  if (typeof value === 'string') {
    if (NOT_TEXT.has(key)) return;
    if (!value.startsWith('data:')) yield value;
    else {
      const header = TEXT_DATA_URL.exec(value);
      if (header && value.length - header[0].length <= (MAX_DECODED_BYTES * 4) / 3) yield decodeBase64Text(value.slice(header[0].length));
    }
  } else if (Array.isArray(value)) {
    for (const v of value) yield* requestStrings(v, key);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) yield* requestStrings(v, k);
  }
}
