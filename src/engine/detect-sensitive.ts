import { addressSpans } from './detect/addresses.js';
import { clinicalSpans, isMeasured } from './detect/clinical.js';
import { EDUCATION, FICTION, FIRST_PERSON, NOT_ABOUT_SELF, PLACEHOLDER } from './detect/context.js';
import { contextSpans } from './detect/context-patterns.js';
import { financeSpans } from './detect/finance.js';
import { identifierSpans, mayHoldEmail } from './detect/identifiers.js';
import { normaliseForDetection } from './detect/normalise.js';
import { secretSpans } from './detect/secrets.js';
import type { FindingKind, Span } from './detect/spans.js';
import { DEFAULT_SCAN_LIMITS, readBody, type ScanLimits } from './request-text.js';

export type { FindingKind, Span } from './detect/spans.js';

/**
 * Finds sensitive content in text and says which tags it calls for. Cheap layers first, on every text: identifiers
 * that prove themselves (`detect/identifiers.ts`, `detect/context-patterns.ts`), phones (`detect/phones.ts`), keys
 * and passwords (`detect/secrets.ts`), clinical terms (`detect/clinical.ts`), money (`detect/finance.ts`) and
 * addresses (`detect/addresses.ts`). Only a text one of those found worth a second look pays for the rest: the people
 * it names (`detect/people.ts`, compromise) and secretlint's rules. The combining below is the only logic written
 * here: a clinical term is PHI with a person, an address or a sum of money is personal with a name. It reports spans
 * inside, kinds outside — never the matched text.
 */

/** What an analyzer's failure is reported as; the config's table says what it means (the top level by default). */
export const ANALYZER_FAILED = 'analyzer_failed';
/**
 * Encoded content the detector could not read (an image, a PDF, text past the decoding bound): the tenant's
 * `auto_tag_unreadable` level.
 */
export const UNREADABLE_CONTENT = 'unreadable_content';
/** A scan that failed (a limit reached, an exception): always the top level, whatever the config says. */
export const SCAN_FAILED = 'scan_failed';

export interface Finding {
  readonly kind: FindingKind;
  /** How sure the match is, 0–1: a checksum-bearing number is surer than a word in context. */
  readonly confidence: number;
}

/** The tag each kind calls for (every default tag needs the top level: see config-schema's DEFAULT_TAG_LEVELS). */
export const TAG_OF: Readonly<Record<FindingKind, string>> = {
  email: 'pii',
  phone: 'pii',
  ssn: 'pii',
  iban: 'pii',
  national_id: 'pii',
  passport: 'pii',
  dob: 'pii',
  address: 'pii',
  sin: 'pii',
  account_number: 'pii',
  routing_number: 'pii',
  finance: 'pii',
  card: 'pci',
  secret: 'secret',
  credential: 'secret',
  mrn: 'phi',
  nhs_number: 'phi',
  clinical: 'phi',
};

/**
 * The layers whose libraries take long to load (compromise alone takes half a second): loaded on first use, so a
 * process that never scans — a CLI command, a gateway whose tenants do not auto-tag — never pays for them.
 */
function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
const people = lazily(() => import('./detect/people.js'));
const phones = lazily(() => import('./detect/phones.js'));
const secretlint = lazily(() => import('./detect/secretlint.js'));

/** Enough digits for any identifier the layers know (the shortest, a phone or an SSN, has seven or more). */
const MANY_DIGITS = /\d(?:\D{0,3}\d){5}/;
const ANY_DIGIT = /\d/;
/** What a key or a password needs to be in the text: a long token, a URL, a key block, or a word that gives one. */
const SECRET_MATERIAL =
  /[A-Za-z0-9+/_=-]{20}|:\/\/|-----BEGIN|\bp(?:ass|w|wd|in)\b|pass(?:wor|phr|co)|\bkey is|\blog-?in|\buser|account|admin|creds?\b|credential|\s-p\s|\bI (?:type|typed|enter|entered|use)\s|has[łl]o|senha|contrase|mot de passe|mdp|kennwort|clave/i;
/** A capitalised pair inside a sentence: a name the lexicon may not know ("Raj Sharma"). */
const NAME_CANDIDATE = /[^.!?\n]\s\p{Lu}\p{Ll}+\s\p{Lu}\p{Ll}+/u;

const BUSINESS_BEFORE =
  /\b(?:Ltd|Limited|GmbH|Inc|LLC|plc|S\.A\.|S\.L\.|SARL|B\.V\.|Floor|Suite \d|(?:our|the|head|main) (?:\p{L}+ )?office|headquarters|registered office|store|shop|restaurant)\b/iu;

/** The text speaks of its writer: their address, their money. */
const SPEAKER = new RegExp(FIRST_PERSON.source, 'i');

/** A first-person assertion about one's own health: "I'm HIV positive", "I've been on alendronate", "my INR". */
function aboutSelf(text: string, terms: readonly Span[]): boolean {
  for (const m of text.matchAll(FIRST_PERSON)) {
    const at = m.index ?? 0;
    const term = terms.find((t) => t.start >= at && t.start - at <= 48);
    if (term && !NOT_ABOUT_SELF.test(text.slice(at, term.start))) return true;
  }
  return false;
}

/**
 * Health about a person: a clinical term with a name (not a character, not made-up data), with kin or a patient
 * ("my sister", "the pt", "64M") given a clinical detail, or said of oneself. A question about medicine in general
 * names no one and asserts nothing of anyone.
 */
function healthAboutPerson(text: string, terms: readonly Span[], names: readonly Span[], refs: readonly Span[]) {
  if (terms.length === 0) return false;
  const invented = FICTION.test(text) || PLACEHOLDER.test(text);
  if (names.length > 0 && !invented) return true;
  if (refs.length > 0 && (terms.some(isMeasured) || !EDUCATION.test(text))) return true;
  return aboutSelf(text, terms);
}

/**
 * The spans of sensitive content in one text: the findings, and the names they are about. `names`: find the people it
 * names whatever else it holds (redaction masks names; tagging needs them only beside a clinical or money term). The
 * offsets are into the text as normalised (`normaliseForDetection`), which is the text itself unless it hid
 * characters.
 */
export async function detectSpans(raw: string, { names: allNames = false } = {}): Promise<Span[]> {
  if (raw === '') return [];
  const text = normaliseForDetection(raw);
  // Each layer only where its material is: most prompts hold no digits worth a look and no key-shaped token.
  const digits = MANY_DIGITS.test(text);
  const anyDigit = ANY_DIGIT.test(text);
  const spans: Span[] = [
    ...(digits || mayHoldEmail(text) ? identifierSpans(text) : []),
    // A date of birth spells its month ("born 12 March 1985"): its digits come in short runs.
    ...(anyDigit ? contextSpans(text) : []),
    ...(digits ? (await phones()).phoneSpans(text) : []),
    ...(SECRET_MATERIAL.test(text)
      ? [...secretSpans(text), ...(await (await secretlint()).secretlintSpans(text))]
      : []),
  ];
  const terms = clinicalSpans(text);
  const money = anyDigit ? financeSpans(text) : [];
  const addresses = anyDigit ? addressSpans(text) : [];
  if (terms.length === 0 && money.length === 0 && addresses.length === 0 && !allNames) return spans;
  // Worth the second look: who is this about? The named-entity pass only where a name may be that the lexicon lacks.
  const { personSpans, referenceSpans } = await people();
  const secondLook = allNames || terms.length > 0 || money.length > 0;
  const names = personSpans(text, secondLook && NAME_CANDIDATE.test(text));
  const refs = referenceSpans(text);
  const invented = PLACEHOLDER.test(text);
  spans.push(...names);
  if (healthAboutPerson(text, terms, names, refs)) spans.push(...terms);
  const someone = (names.length > 0 || refs.length > 0 || SPEAKER.test(text)) && !invented;
  if (someone) spans.push(...money);
  // An address is someone's unless a business is named just before it (a letterhead, a shop's footer).
  if (!invented)
    spans.push(...addresses.filter((a) => !BUSINESS_BEFORE.test(text.slice(Math.max(0, a.start - 80), a.start))));
  return spans;
}

/** The kinds of sensitive content in `text`, each once, with how sure each is (its surest span). */
export async function findSensitive(text: string): Promise<Finding[]> {
  const best = new Map<FindingKind, number>();
  for (const s of await detectSpans(text)) {
    if (s.kind === 'person') continue;
    best.set(s.kind, Math.max(best.get(s.kind) ?? 0, s.confidence));
  }
  return [...best].map(([kind, confidence]) => ({ kind, confidence }));
}

/**
 * The kinds of sensitive content in these texts, sorted. Each text is read alone and all of them are read
 * again joined end to end, so a number or address split across parts or messages is still found.
 */
export async function detectSensitiveKinds(texts: Iterable<string>): Promise<FindingKind[]> {
  const kinds = new Set<FindingKind>();
  const all: string[] = [];
  for (const text of texts) {
    all.push(text);
    for (const f of await findSensitive(text)) kinds.add(f.kind);
  }
  if (all.length > 1) for (const f of await findSensitive(all.join(''))) kinds.add(f.kind);
  return [...kinds].sort();
}

/**
 * What the detector finds in a request body, read whole (`readBody`): the kinds of sensitive content, with
 * `unreadable_content` when some encoded content could not be read, and only `scan_failed` when the body
 * could not be read whole — a limit reached, or anything thrown. `clock` is a monotonic millisecond clock,
 * for the scan's time limit.
 */
export async function detectInBody(
  body: unknown,
  limits: ScanLimits = DEFAULT_SCAN_LIMITS,
  clock?: () => number,
): Promise<string[]> {
  try {
    const t0 = clock?.();
    const elapsedMs = clock && (() => clock() - (t0 as number));
    const text = readBody(body, limits, elapsedMs);
    const kinds = new Set<string>();
    for (const f of await findSensitive(text.lines)) kinds.add(f.kind);
    for (const f of await findSensitive(text.seams)) kinds.add(f.kind);
    if (elapsedMs && elapsedMs() > limits.timeoutMs) return [SCAN_FAILED];
    if (text.unreadable.length > 0) kinds.add(UNREADABLE_CONTENT);
    return [...kinds].sort();
  } catch {
    return [SCAN_FAILED];
  }
}
