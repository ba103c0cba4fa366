import { spansOf, type Span } from './spans.js';

/**
 * The secret layer's cheap part: keys with a vendor's shape, matched directly (every request of an auto-tagging tenant
 * pays it), a password given in words, a `user / password` pair, and a high-entropy token with a credential's shape.
 * What only looks like a credential gets secretlint's second look (`secretlint.ts`).
 */

const VENDOR_KEYS: readonly RegExp[] = [
  /\bsk-ant-[A-Za-z0-9_-]{20,}/g, // Anthropic
  /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}/g, // OpenAI
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g, // GitHub
  /\bgithub_pat_[A-Za-z0-9_]{40,}\b/g, // GitHub fine-grained
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g, // GitLab
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack token
  /\bhooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{16,}/g, // Slack webhook
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API key
  /\b[sr]k_(?:live|test)_[A-Za-z0-9]{20,}\b/g, // Stripe
  /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g, // SendGrid
  /\bnpm_[A-Za-z0-9]{36}\b/g, // npm
  /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, // a JWT
  /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g,
  /\bAccountKey=[A-Za-z0-9+/]{40,}={0,2}/g, // Azure storage
];

/** Every vendor key starts with one of these: the patterns run only on a text that has one. */
const VENDOR_PREFIX =
  /sk-|AKIA|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|hooks\.slack|AIza|[sr]k_(?:live|test)_|SG\.|npm_|eyJ|PRIVATE KEY|AccountKey=/;

// A password given: `password: x`, `pwd=x`, `mot de passe : x` (a separator), or `pw x`, `the key is x` (short forms
// that need none). The value must hold a digit or a symbol: "password authentication failed" gives no password.
const SECRET_VALUE =
  '[\'"`]?(?!\\*{3,}|<[^>]{0,40}>|\\$\\{|x{3,}\\b|\\.\\.\\.)((?=[^\\s,;\'"`]{0,63}[\\d!@#$%^&*_-])[^\\s,;\'"`]{4,64})';
const PASSWORD = new RegExp(
  `\\b(?:password|passwd|pwd|passcode|passphrase|passwort|kennwort|mot de passe|mdp|contrase[ñn]a|clave|has[łl]o|senha)\\b\\s{0,3}(?:[:=]|\\s(?:is|ist|est|es|to|jest|é)\\b\\s{0,3}[:=]?)\\s{0,3}${SECRET_VALUE}`,
  'giu',
);
const SHORT_PASSWORD = new RegExp(`\\b(?:pw|the key is|key is|pin is)\\s{1,3}${SECRET_VALUE}`, 'giu');
const FLAG_PASSWORD = /\s-p\s?['"]?([^\s'"]{6,64})/g;
const TYPED_PASSWORD =
  /\bI (?:type|typed|enter|entered|use)\s(?=[^\s]{0,63}[\d!@#$%^&*_])(?=[^\s]{0,63}[A-Za-z])([^\s,;]{8,64})/g;
// `jsmith / Sunflower#88` after a login word: the second half mixes letters with digits or symbols.
const USER_SLASH_PASSWORD =
  /\b(?:login|log-?in|user(?:name)?|account|admin|credentials?|creds|sign in)\b[^\n]{0,40}?\b[\w.@-]{3,40}\s?\/\s?((?=[^\s]{0,63}[A-Za-z])(?=[^\s]{0,63}[\d!@#$%^&*_])[^\s,;]{6,64})/gi;
const DSN = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:@/]{0,64}:([^\s@/]{1,128})@[^\s/]{1,255}/gi;
const PLACEHOLDER =
  /^(?:password|pass|pwd|secret|changeme|x{3,}|\*{3,}|<[^>]*>|\$\{[^}]*\}|\{[^}]*\}|%s|\.{3}|\[[^\]]*\]|user|username|your[_-]?\w*|example\w*|dummy\w*|placeholder\w*)$/i;

const notPlaceholder = (m: RegExpMatchArray) => !PLACEHOLDER.test((m[1] as string).replace(/['"`]+$/, ''));

/** Long runs of key characters; a credential's shape is tested on each (mixed classes, high entropy, not hex). */
const TOKEN = /(?<![A-Za-z0-9+/_=.-])[A-Za-z0-9+/_=-]{24,128}(?![A-Za-z0-9+/_=-])/g;

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length);
  return bits;
}

/** A token with a credential's shape: upper, lower and digits mixed, high entropy, not a hex digest or UUID. */
function credentialShaped(token: string): boolean {
  if (/^[0-9a-fA-F-]+$/.test(token) || /^[A-Za-z]+$/.test(token)) return false;
  if (!/[A-Z]/.test(token) || !/[a-z]/.test(token) || !/\d/.test(token)) return false;
  return entropy(token) >= 4.2;
}

/** A digest named before or at the start of a token (`sha512-…` in a lockfile): a checksum, not a key. */
const DIGEST = /(?:sha(?:1|256|384|512)|md5)[-:]$/i;
const digest = (text: string, at: number, token: string) =>
  DIGEST.test(text.slice(Math.max(0, at - 8), at)) || /^(?:sha(?:1|256|384|512)|md5)-/i.test(token);

/** What the cheap patterns find, with no library call. */
export function secretSpans(text: string): Span[] {
  return [
    ...(VENDOR_PREFIX.test(text) ? VENDOR_KEYS.flatMap((re) => spansOf(text, re, 'secret', 0.99)) : []),
    ...spansOf(text, PASSWORD, 'credential', 0.85, notPlaceholder),
    ...spansOf(text, SHORT_PASSWORD, 'credential', 0.8, notPlaceholder),
    ...spansOf(text, FLAG_PASSWORD, 'credential', 0.8, notPlaceholder),
    ...spansOf(text, TYPED_PASSWORD, 'credential', 0.75),
    ...spansOf(text, USER_SLASH_PASSWORD, 'credential', 0.8),
    ...spansOf(text, DSN, 'credential', 0.9, notPlaceholder),
    ...spansOf(text, TOKEN, 'secret', 0.7, (m) => credentialShaped(m[0]) && !digest(text, m.index ?? 0, m[0])),
  ];
}
