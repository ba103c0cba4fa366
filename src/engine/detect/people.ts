import nlp from 'compromise';
import { foldWord as fold } from './normalise.js';
import { spansOf, type Span } from './spans.js';

/**
 * The people layer: who a text is about. Names are found on compromise's lexicon (its ~3,000 first names and ~700
 * surnames) and its honorifics, and in fields that hold a name ("Client: …", "Paciente …"); when a text has a
 * clinical or financial detail and none of those found a name, compromise's own named-entity pass (`people()`) has
 * the second look. References without a name count too: "I'm …", "my sister", "the pt", "64M".
 */

const lexicon = (nlp.world() as { model: { one: { lexicon: Record<string, string | string[]> } } }).model.one.lexicon;
const tagged = (tag: RegExp) =>
  new Set(
    Object.entries(lexicon).flatMap(([word, tags]) => ([tags].flat().some((t) => tag.test(t)) ? [fold(word)] : [])),
  );
const FIRST_NAMES = tagged(/^(?:FirstName|MaleName|FemaleName)$/);
const LAST_NAMES = tagged(/^LastName$/);

const WORD = "\\p{Lu}[\\p{Ll}'’-]{1,30}";
const NAME = `${WORD}(?:[ -]${WORD}){0,2}`;
const HONORIFIC = new RegExp(
  `\\b(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Mme|Mlle|Herr|Frau|Pani|Pan|Sr|Sra|Srta|Dona|Sig|Sig\\.ra)\\.?|M\\.)\\s(${NAME})`,
  'gu',
);
/** Words after which a name is given: a form's field, a role, a relative. Either case for the first letter. */
const LABELS = [
  'name',
  'client',
  'patient',
  'paciente',
  'patiente',
  'patientin',
  'claimant',
  'employee',
  'staff',
  'funcionário',
  'funcionaria',
  'arrendatario',
  'absender',
  'empfänger',
  'tenant',
  'applicant',
  'candidate',
  'pupil',
  'student',
  'customer',
  'resident',
  'uncle',
  'aunt',
  'cousin',
  'colleague',
  'striker',
  'player',
  'sister',
  'brother',
  'mother',
  'father',
  'daughter',
  'son',
  'wife',
  'husband',
  'partner',
  'friend',
];
const LABELLED = new RegExp(
  `\\b(?:${LABELS.map((w) => `[${w[0]!.toUpperCase()}${w[0]}]${w.slice(1)}`).join('|')})\\b:?\\s(${NAME})`,
  'gu',
);
const PAIR = new RegExp(`(?<![\\p{L}])(${WORD})[ ](${WORD})`, 'gu');
const POSSESSIVE = new RegExp(`(?<![\\p{L}])(${WORD})['’]s\\b`, 'gu');

/** Names the lexicon or a field vouches for: a known first name with a capitalised word, a known surname after one. */
function lexiconNames(text: string): Span[] {
  return [
    ...spansOf(text, HONORIFIC, 'person', 0.9, () => true, 1),
    ...spansOf(text, LABELLED, 'person', 0.8, () => true, 1),
    ...spansOf(
      text,
      PAIR,
      'person',
      0.8,
      (m) => FIRST_NAMES.has(fold(m[1] as string)) || LAST_NAMES.has(fold(m[2] as string)),
    ),
    ...spansOf(text, POSSESSIVE, 'person', 0.7, (m) => FIRST_NAMES.has(fold(m[1] as string)), 1),
  ];
}

/** compromise's named-entity pass: slower (about a millisecond a sentence), so only as the second look. */
function nlpNames(text: string): Span[] {
  const people = nlp(text).people().json({ offset: true }) as { offset?: { start: number; length: number } }[];
  return people.flatMap((p) =>
    p.offset
      ? [{ start: p.offset.start, end: p.offset.start + p.offset.length, kind: 'person' as const, confidence: 0.7 }]
      : [],
  );
}

/** The people a text names; `secondLook` runs the named-entity pass when the lexicon found none. */
export function personSpans(text: string, secondLook: boolean): Span[] {
  const found = lexiconNames(text);
  return found.length > 0 || !secondLook ? found : nlpNames(text);
}

/** Kin and care: "my sister", "ma mère", "the pt", "bed 14", "64M", "45 anos", "(68 lat)", "a 71-year-old". */
const REFERENCE = new RegExp(
  [
    '\\b(?:my|his|her|their|our|mon|ma|mes|mi|mis|mein|meine|meinem|meiner|mój|moja|moje|minha|meu)\\s(?:mother|father|mum|mom|dad|sister|brother|son|daughter|wife|husband|partner|boyfriend|girlfriend|child|kid|baby|grandmother|grandfather|grandma|grandpa|uncle|aunt|cousin|friend|colleague|neighbou?r|m[èe]re|p[èe]re|s[œo]eur|fr[èe]re|fils|fille|madre|padre|hermana|hermano|hija|hijo|abuela|abuelo|Mutter|Vater|Schwester|Bruder|Tochter|Sohn|Frau|Mann|matka|ojciec|siostra|brat|córka|syn|mãe|pai|irmã|irmão|filha|filho)\\b',
    "\\b(?:pt|pt's|the patient|this patient|our patient|the client|resident in|bed \\d{1,3}|bay \\d{1,2}|room \\d{1,4})\\b",
    '\\b\\d{1,3}\\s?(?:yo|y/o)\\b',
    '\\b\\d{1,3}[- ]?(?:year|yr)s?[- ]old\\b',
    '\\b\\d{1,3}\\s(?:anos|años|ans|lat|Jahre|jaar)\\b',
  ].join('|'),
  'giu',
);

/** A name masked by redaction: still a person, so what is said of them keeps its level. */
const MASKED_NAME = /\[PERSON_\d{1,6}\]/g;

/** Age and sex in clinical shorthand ("64M", "28 F"): upper case only, so "200 m" is a distance. */
const AGE_SEX = /\b\d{1,3}\s?[MF]\b/g;

export function referenceSpans(text: string): Span[] {
  return [
    ...spansOf(text, REFERENCE, 'person', 0.7),
    ...spansOf(text, AGE_SEX, 'person', 0.6),
    ...spansOf(text, MASKED_NAME, 'person', 0.9),
  ];
}
