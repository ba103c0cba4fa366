/**
 * The clinical layer: health information about a specific person. A diagnosis, drug or lab term alone is
 * medicine ("explain how HIV therapy works"); it is PHI when the same text names a person (an honorific, a
 * "Patient X", a named person with an age, "my father", "I was …") and gives a clinical detail about them
 * (a value with a unit, a dose, a result, an event such as diagnosed, prescribed, admitted).
 *
 * Each vocabulary is a list of terms (a term may hold a small pattern: `leuka?emia`), joined into one
 * pattern at load: a new term is one line.
 */

const CONDITIONS = [
  'diabet(?:es|ic)',
  'HIV',
  'AIDS',
  'hepatitis [ABC]?',
  'cancer',
  'carcinoma',
  'lymphoma',
  'leuka?emia',
  'tumou?r',
  'melanoma',
  'schizophrenia',
  'bipolar',
  'depression',
  'PTSD',
  'asthma',
  'COPD',
  'hypertension',
  'dementia',
  "alzheimer'?s",
  'epilepsy',
  'seizures?',
  'stroke',
  'heart failure',
  'myocardial infarction',
  'pregnan(?:t|cy)',
  'miscarriage',
  'tuberculosis',
  'syphilis',
  'chlamydia',
  'gonorrh?o?ea',
  'herpes',
  'cirrhosis',
  'anorexia',
  'bulimia',
  'ADHD',
  'overdose',
  'opioid use disorder',
];

const DRUGS = [
  'metformin',
  'insulin',
  'lisinopril',
  'atorvastatin',
  'simvastatin',
  'sertraline',
  'fluoxetine',
  'citalopram',
  'lithium',
  'olanzapine',
  'quetiapine',
  'methotrexate',
  'warfarin',
  'apixaban',
  'oxycodone',
  'morphine',
  'fentanyl',
  'buprenorphine',
  'methadone',
  'adalimumab',
  'prednisone',
  'levothyroxine',
  'truvada',
  'antiretrovirals?',
];

const THERAPIES = ['chemotherapy', 'radiotherapy'];

const LAB_TESTS = [
  'HbA1c',
  'A1c',
  'creatinine',
  'eGFR',
  'ha?emoglobin',
  'viral load',
  'CD4',
  'INR',
  'cholesterol',
  'LDL',
  'glucose',
  'TSH',
  'PSA',
  'troponin',
];

const PROCEDURES = ['biopsy', 'dialysis'];

const NAME = '[A-Z][a-z]{1,20}';
const RELATIVES = [
  'mother',
  'father',
  'mom',
  'mum',
  'dad',
  'son',
  'daughter',
  'wife',
  'husband',
  'partner',
  'brother',
  'sister',
  'grandmother',
  'grandfather',
  'grandma',
  'grandpa',
  'child',
  'baby',
  'friend',
  'colleague',
  'neighbou?r',
];

/** Ways a text points at one person: an honorific or "patient" with a name, a name with an age, kin, "I". */
const PERSON_FORMS = [
  `(?:Mr|Mrs|Ms|Miss|Mx|Dr)\\.?\\s${NAME}`,
  `[Pp]atient\\s${NAME}`,
  `[Pp]t\\.?\\s${NAME}`,
  `${NAME}\\s${NAME},?\\s(?:a\\s)?\\d{1,3}[- ]?(?:yo|y\\/o|years?[- ]old)`,
  `(?:[Mm]y|[Hh]is|[Hh]er|[Tt]heir|[Oo]ur)\\s(?:${RELATIVES.join('|')})`,
  'I\\s(?:was|am|have been|got|have)\\b',
  "I'm\\b",
  "I've\\b",
];

const UNITS = [
  'mg',
  'mcg',
  'µg',
  'g\\/dL',
  'ml',
  'mL',
  'mmol\\/L',
  'mmol\\/mol',
  'mg\\/dL',
  '%',
  'units?',
  'IU',
  'bpm',
  'mmHg',
  'copies\\/mL',
];

/** What happens to a person in care: each says the text is about someone's health, not about medicine. */
const CLINICAL_EVENTS = [
  'diagnosed',
  'prescribed',
  'started on',
  'taking',
  'takes',
  'admitted',
  'discharged',
  'tested positive',
  'positive for',
  'negative for',
  'result(?:s)? (?:came back|showed|was|were)',
  'elevated',
  'relapsed',
  'dosage',
  'was given',
  'undergoing',
  'scheduled for',
  'referred',
  'suffers from',
  'suffering from',
  'has been on',
  'is on',
  'dropped to',
  'rose to',
  'fell to',
  'increased to',
  'decreased to',
  'referral',
];

const LEXICON = new RegExp(
  `\\b(?:${[...CONDITIONS, ...DRUGS, ...THERAPIES, ...LAB_TESTS, ...PROCEDURES].join('|')})\\b`,
  'i',
);
const PERSON = new RegExp(`\\b(?:${PERSON_FORMS.join('|')})`);
const DETAIL = new RegExp(
  `(?:\\b\\d{1,4}(?:\\.\\d{1,3})?\\s?(?:${UNITS.join('|')})(?![A-Za-z])|\\b(?:${CLINICAL_EVENTS.join('|')})\\b)`,
  'i',
);

export function hasClinicalDetailAboutPerson(text: string): boolean {
  return LEXICON.test(text) && PERSON.test(text) && DETAIL.test(text);
}
