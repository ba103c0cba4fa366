import { foldWord as fold } from './normalise.js';
import { spansOf, type Span } from './spans.js';
import { CONDITION_WORDS } from './vocabulary/conditions.js';
import { DRUG_NAMES } from './vocabulary/drugs.js';

/**
 * The clinical vocabulary: what makes a sentence about someone's health. Drug names come from Drugs@FDA and
 * condition words from ICD-10-CM's titles (both public domain; `scripts/build-clinical-vocabulary.mjs` derives them);
 * below are what those lists lack — everyday names of conditions and care, brands, clinical shorthand, and the same
 * words in the languages the gateway's users write in. A term alone is medicine ("how does warfarin work?"); the
 * combining step (`detect-sensitive.ts`) makes it PHI only with a person.
 */

/** Everyday names of conditions, care and brands, one word each, in English and the users' other languages. */
const CURATED = `diabetes diabetic cancer tumour tumor hiv aids ptsd depression depressed anxiety bipolar schizophrenia
  dementia alzheimer asthma copd stroke epilepsy seizure seizures pregnant pregnancy miscarriage abortion chemo
  chemotherapy radiotherapy dialysis alcoholism alcoholic addiction addicted overdose suicidal self-harm anorexia bulimia
  adhd autism autistic prep hepatitis brca herniation fracture surgery allergic allergy ivf infertility hiv-positive
  biktarvy descovy truvada suboxone subutex ozempic wegovy mounjaro humira lantus xanax prozac zoloft adderall ritalin
  concerta valium ativan lexapro wellbutrin seroquel abilify lithium opioids opiates methadone antidepressants
  antipsychotics insulin therapist psychiatrist psychologist rehab detox oncology oncologist chemotherapie
  lupus lúpus cáncer cancro câncer krebs diabète diabète depresión depressão depresja udar afazja cukrzyca nowotwór
  grossesse embarazo embarazada gravidez schwanger ciąża schlaganfall demenz démence demencia esclerosis sclérose
  quimioterapia chimiothérapie insuffisance niewydolność hipertensión hypertonie nadciśnienie fibromyalgia migraine
  migraines lymphoma leukemia leukaemia melanoma sarcoma mastectomy hysterectomy colostomy stent angioplasty
  transplant pacemaker ulcer ulcers sepsis pneumonia covid tuberculosis syphilis chlamydia gonorrhea gonorrhoea herpes
  hpv std sti stis stds t2dm t1dm ckd ckd3b af afib copd chf mi dvt pe uti uti's gerd ibs ibd crohn crohn's colitis
  osteoporosis arthritis parkinson parkinson's huntington ms als cirrhosis hiv+ pre-eclampsia eclampsia labetalol`;

/** Phrases: each pattern one line. */
const PHRASES = [
  'heart failure',
  'heart attack',
  'panic attacks?',
  'eating disorder',
  'viral load',
  'sexual health',
  'mental health',
  'in recovery',
  'recovery from',
  'alcohol (?:dependence|use disorder|abuse|problem)',
  'drug (?:dependence|use disorder|abuse)',
  '(?:goes to|attends|at) (?:AA|NA)\\b',
  '(?:AA|NA) meetings?',
  'clean from',
  'sober for',
  'mag(?:nesium)? sulf(?:ate)?',
  'blood pressure',
  'blood sugar',
  'maternity leave',
  'sick leave',
  'sick note',
  'weeks pregnant',
  'tested positive',
  'positive for',
  'on the waiting list for',
];

/** Lab tests and vital signs with a value: "INR 4.2", "WBC 3.1", "HbA1c 7.2%", "BP 168/110", "eGFR dropped from 48". */
const LAB_VALUE =
  /\b(?:INR|WBC|WCC|CRP|ESR|HbA1c|A1c|eGFR|GFR|Hb|Hgb|PSA|TSH|LDL|HDL|ALT|AST|BP|creatinine|troponin|glucose|platelets|plt|CD4|ferritin|bilirubin|lactate|SpO2|sats|potassium|sodium|K\+|Na\+)\b[^\n\d]{0,24}\d{1,4}(?:[.,/]\d{1,3})?/g;
/** Doses and clinical units: "5mg", "2 x 500 mg", "41kg" beside a term, "28/40" (weeks of pregnancy). */
const DOSE =
  /\b\d{1,4}(?:[.,]\d{1,3})?\s?(?:mg|mcg|µg|g\/dL|mL|mmol\/L|mmol\/mol|mg\/dL|IU|units|mmHg|bpm|copies\/mL)\b/g;

const WORDS = new Set([...DRUG_NAMES.split(' '), ...CONDITION_WORDS.split(' '), ...CURATED.split(/\s+/).map(fold)]);
const PHRASE = new RegExp(`\\b(?:${PHRASES.join('|')})\\b`, 'gi');
const TOKEN = /[\p{L}][\p{L}'+-]*[\p{L}+]|[\p{L}]/gu;

/** The clinical terms in a text: words of the vocabulary, phrases, lab values and doses. */
export function clinicalSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const word = m[0];
    if (word.length < 2 || !WORDS.has(fold(word))) continue;
    // Short words of the list (ms, mi, pe, af, als) count only in capitals: "MS", not "ms".
    if (word.length <= 3 && word !== word.toUpperCase()) continue;
    const start = m.index ?? 0;
    spans.push({ start, end: start + word.length, kind: 'clinical', confidence: 0.7 });
  }
  return [
    ...spans,
    ...spansOf(text, PHRASE, 'clinical', 0.7),
    ...spansOf(text, LAB_VALUE, 'clinical', 0.9),
    ...spansOf(text, DOSE, 'clinical', 0.8),
  ];
}

/** A lab value or a dose: clinical detail, not vocabulary. */
export const isMeasured = (span: Span) => span.confidence >= 0.8;
