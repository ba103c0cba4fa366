// Key shapes of the common providers, for upstream error texts that echo part of a key back.
const KEY_SHAPES =
  /\b(?:sk-[A-Za-z0-9_*.-]{8,}|A[KS]IA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{8,}|ya29\.[A-Za-z0-9_-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{5,})/g;
/**
 * AWS's signature errors print the canonical request, signed headers and all (the session token among them): the
 * message is kept up to there.
 */
const CANONICAL_REQUEST = /\s*The Canonical String for this request should have been[\s\S]*$/;

/** Removes configured secrets and anything shaped like a provider key from a text bound for a caller or a log. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[redacted]');
  return out.replace(CANONICAL_REQUEST, ' [canonical request withheld]').replace(KEY_SHAPES, '[redacted]');
}
