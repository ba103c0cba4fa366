// Key shapes of the common providers, for upstream error texts that echo part of a key back.
const KEY_SHAPES =
  /\b(?:sk-[A-Za-z0-9_*.-]{8,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-[A-Za-z0-9-]{8,})/g;

/** Removes configured secrets and anything shaped like a provider key from a text bound for a caller or a log. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[redacted]');
  return out.replace(KEY_SHAPES, '[redacted]');
}
