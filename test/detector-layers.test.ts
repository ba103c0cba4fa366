import { describe, expect, it } from 'vitest';
import { findSensitive } from '../src/engine/detect-sensitive.js';
import {
  passesAadhaarChecksum,
  passesBsnChecksum,
  passesCpfChecksum,
  passesDniLetter,
  passesNirKey,
  passesPeselChecksum,
  passesSteuerIdChecksum,
} from '../src/engine/detect/checksums.js';
import { clinicalSpans } from '../src/engine/detect/clinical.js';
import { personSpans } from '../src/engine/detect/people.js';
import { phoneSpans } from '../src/engine/detect/phones.js';
import { secretlintSpans } from '../src/engine/detect/secretlint.js';
import { secretSpans } from '../src/engine/detect/secrets.js';

// One test per layer of the detector, each written so that it fails when its layer's rule is taken out: the
// library call (ibantools, libphonenumber-js, secretlint, compromise), the vocabulary, the combining.
const kinds = async (text: string) => (await findSensitive(text)).map((f) => f.kind).sort();

describe('identifiers that prove themselves', () => {
  it('IBANs through ibantools: a valid one is found, one with a wrong check digit is not', async () => {
    expect(await kinds('Przelew na konto DE89 3704 0044 0532 0130 00 do jutra')).toEqual(['iban']);
    expect(await kinds('Przelew na konto DE88 3704 0044 0532 0130 00 do jutra')).toEqual([]);
  });

  it('SSNs written with spaces or dots, and bare ones under an SSN column', async () => {
    expect(await kinds('SSN 123 45 6789')).toEqual(['ssn']);
    expect(await kinds('ssn: 123.45.6789')).toEqual(['ssn']);
    expect(await kinds('last,first,ssn\nNguyen,Linh,201081968')).toEqual(['ssn']);
    expect(await kinds('order 201081968 shipped')).toEqual([]);
  });

  it.each([
    ['CPF', 'CPF 111.444.777-35', passesCpfChecksum('11144477735'), passesCpfChecksum('11144477734')],
    ['DNI', 'DNI 12345678Z', passesDniLetter('12345678Z'), passesDniLetter('12345678A')],
    ['BSN', 'Mijn BSN is 111222333', passesBsnChecksum('111222333'), passesBsnChecksum('111222334')],
    ['PESEL', 'PESEL 44051401359', passesPeselChecksum('44051401359'), passesPeselChecksum('44051401358')],
    ['Aadhaar', 'Aadhaar 2345 6789 0124', passesAadhaarChecksum('234567890124'), passesAadhaarChecksum('234567890123')],
    [
      'Steuer-ID',
      'Steuer-ID 65929970489',
      passesSteuerIdChecksum('65929970489'),
      passesSteuerIdChecksum('65929970488'),
    ],
    ['NIR', 'NIR 1 87 07 41 065 450 52', passesNirKey('1870741065450' + '52'), passesNirKey('1870741065450' + '53')],
  ])('a %s passes its check and is a national id; a digit off fails it', async (_name, text, valid, invalid) => {
    expect([valid, invalid]).toEqual([true, false]);
    expect(await kinds(text)).toEqual(['national_id']);
  });
});

describe('phones through libphonenumber-js', () => {
  it("a national number after a phone word, read in its country's plan", () => {
    expect(phoneSpans('Ruf mich an: 030 12345678')).toHaveLength(1);
    expect(phoneSpans('mon portable est le 06 12 34 56 78')).toHaveLength(1);
    // Too short for any plan.
    expect(phoneSpans('Ruf mich an: 030 12')).toEqual([]);
  });

  it('an international number valid for its plan; a toll-free line or a business line is nobody’s', () => {
    expect(phoneSpans('text me at +44 20 7946 0958')).toHaveLength(1);
    expect(phoneSpans('Is 1-800-275-2273 really their support number?')).toEqual([]);
    expect(phoneSpans('the sales line is +49 89 2000 4500')).toEqual([]);
  });
});

describe('secrets', () => {
  it('vendor keys by their shape, with no keyword near them', async () => {
    const pat = `github_pat_11ABCDEFG0${'A'.repeat(12)}_${'abcdefghij'.repeat(6)}`;
    expect(await kinds(`curl -H "Authorization: Bearer ${pat}"`)).toEqual(['secret']);
  });

  it("secretlint's recommended rules run on what looks like a credential, and only then", async () => {
    expect(await secretlintSpans('connect with postgres://admin:S3cretPass@db.internal:5432/app please')).not.toEqual(
      [],
    );
    expect(await secretlintSpans('a sentence with no key-shaped token in it')).toEqual([]);
  });

  it('a high-entropy token with a credential’s shape; a commit hash or a UUID is not one', () => {
    expect(secretSpans('aws secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ9kd84Lk2').map((s) => s.kind)).toEqual(['secret']);
    expect(
      secretSpans('commit 9fceb02d0ae598e95dc970b74767f19372d61af8 and 3f2a9c1e-7b4d-4e8a-9f21-0c5d6e7a8b9c'),
    ).toEqual([]);
  });

  it('passwords in words and user / password pairs; placeholders are not', async () => {
    expect(await kinds('Login for the VPN is jsmith / Sunflower#88')).toEqual(['credential']);
    expect(await kinds('Das Passwort ist: Kirsche!2024')).toEqual(['credential']);
    expect(await kinds('use redis://:p4ssW0rd2024@host:6379/0')).toEqual(['credential']);
    expect(await kinds('DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DBNAME')).toEqual([]);
    expect(await kinds("FATAL: password authentication failed for user 'postgres'")).toEqual([]);
  });
});

describe('people', () => {
  it("names on compromise's lexicon, and its named-entity pass as the second look", () => {
    expect(personSpans('Anna Kowalski is on clozapine', false)).toHaveLength(1);
    // Neither name is in the lexicon: only the named-entity pass finds him.
    expect(personSpans('Yesterday Raj Sharma said he was on chemo', false)).toEqual([]);
    expect(personSpans('Yesterday Raj Sharma said he was on chemo', true)).toHaveLength(1);
  });
});

describe('the clinical vocabulary and what makes it PHI', () => {
  it("drug names from Drugs@FDA and condition words from ICD-10-CM's titles, lab values, doses", () => {
    const found = (t: string) => clinicalSpans(t).map((s) => t.slice(s.start, s.end));
    expect(found('started clozapine')).toEqual(['clozapine']);
    expect(found('history of cholelithiasis')).toEqual(['cholelithiasis']);
    expect(found('INR 4.2 this am')).toEqual(['INR 4.2']);
    expect(found('a walk in the park')).toEqual([]);
  });

  it('a term with a person is PHI: a name, kin, a patient in shorthand, oneself', async () => {
    expect(await kinds('Anna Kowalski has been on clozapine since March and her WBC is 3.1')).toEqual(['clinical']);
    expect(await kinds("Eric's therapist thinks his PTSD is getting worse")).toEqual(['clinical']);
    expect(await kinds("The pt's INR was 4.2 this morning, hold warfarin?")).toEqual(['clinical']);
    expect(await kinds("I'm HIV positive and my viral load is undetectable")).toEqual(['clinical']);
    expect(await kinds('Yesterday Raj Sharma said he was on chemo')).toEqual(['clinical']);
  });

  it('context lowers it: medicine in general, a story, made-up data', async () => {
    expect(await kinds('What is the mechanism of warfarin?')).toEqual([]);
    expect(await kinds('Can you recommend textbooks on HIV epidemiology for a first-year student?')).toEqual([]);
    expect(await kinds("Is Walter White's lung cancer in Breaking Bad portrayed realistically?")).toEqual([]);
    expect(await kinds('Generate fake patient records: Anna Kowalski, diabetes, metformin')).toEqual([]);
  });
});

describe('money and addresses, which are personal beside a person', () => {
  it("a named person's salary or debt is finance; a price list is not", async () => {
    expect(await kinds("Summarise Marco Rossi's file: salary €72,000, still repaying a €15k loan")).toEqual([
      'finance',
    ]);
    expect(await kinds('The Pro plan costs $49 a month and the Team plan $199.')).toEqual([]);
  });

  it("an address as each country writes it; a business's is not personal", async () => {
    expect(await kinds('Absender: Stefanie Braun, Lindenstraße 27, 50674 Köln.')).toEqual(['address']);
    expect(await kinds('Rédige la lettre pour Mme Claire Rousseau, 8 rue des Lilas, 69003 Lyon.')).toEqual(['address']);
    expect(await kinds('Brightwell Analytics Ltd, 40 Bank Street, London E14 5NR')).toEqual([]);
  });
});
