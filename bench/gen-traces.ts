// Deterministic synthetic reasoning traces for the trace-store benchmark and tests.
//   npx tsx bench/gen-traces.ts --n 500000 --out /tmp/traces.jsonl [--seed 1] [--langs en,it,es]
// Same arguments, same bytes. Questions run 80–150 words and reasoning 150–300, drawn from
// per-language vocabularies (function words, common clinical words, and a Zipf-distributed
// tail of ~10,000 pseudo-clinical terms), so full-text search sees realistic posting lists:
// common words everywhere, most terms rare.
import { createWriteStream } from "node:fs";
import seedrandom from "seedrandom";

const FUNCTION_WORDS: Record<string, string[]> = {
  en: "the a of and to in with is was for on his her patient who has after which that this most likely following by at from an be are as it not".split(" "),
  it: "il la di e a in con è era per su suo sua paziente che ha dopo quale questo più probabile seguente da al del della un una sono come non".split(" "),
  es: "el la de y a en con es era para su sus paciente que ha después cuál este más probable siguiente por al del un una son como no se".split(" "),
};

const CLINICAL_WORDS: Record<string, string[]> = {
  en: (
    "fever cough dyspnea chest pain abdominal tenderness nausea vomiting diarrhea headache fatigue weight loss rash jaundice " +
    "hypertension diabetes asthma pneumonia sepsis anemia thrombosis embolism infarction stroke seizure syncope edema ascites " +
    "tachycardia bradycardia murmur wheezing crackles hepatomegaly splenomegaly lymphadenopathy proteinuria hematuria " +
    "creatinine potassium sodium glucose hemoglobin platelets leukocytosis troponin lactate bilirubin albumin ferritin " +
    "antibiotic corticosteroid insulin heparin warfarin aspirin metformin amoxicillin vancomycin furosemide lisinopril " +
    "biopsy radiograph ultrasound tomography echocardiogram electrocardiogram endoscopy colonoscopy culture serology " +
    "kidney liver lung heart brain spleen pancreas thyroid adrenal pituitary bone joint muscle skin retina " +
    "inflammation infection necrosis fibrosis carcinoma lymphoma leukemia metastasis autoimmune deficiency mutation"
  ).split(" "),
  it: (
    "febbre tosse dispnea dolore toracico addominale dolorabilità nausea vomito diarrea cefalea stanchezza calo ponderale eruzione ittero " +
    "ipertensione diabete asma polmonite sepsi anemia trombosi embolia infarto ictus convulsione sincope edema ascite " +
    "tachicardia bradicardia soffio sibili crepitii epatomegalia splenomegalia linfoadenopatia proteinuria ematuria " +
    "creatinina potassio sodio glucosio emoglobina piastrine leucocitosi troponina lattato bilirubina albumina ferritina " +
    "antibiotico corticosteroide insulina eparina warfarin aspirina metformina amoxicillina vancomicina furosemide lisinopril " +
    "biopsia radiografia ecografia tomografia ecocardiogramma elettrocardiogramma endoscopia colonscopia coltura sierologia " +
    "rene fegato polmone cuore cervello milza pancreas tiroide surrene ipofisi osso articolazione muscolo cute retina " +
    "infiammazione infezione necrosi fibrosi carcinoma linfoma leucemia metastasi autoimmune deficit mutazione"
  ).split(" "),
  es: (
    "fiebre tos disnea dolor torácico abdominal sensibilidad náuseas vómitos diarrea cefalea fatiga pérdida peso erupción ictericia " +
    "hipertensión diabetes asma neumonía sepsis anemia trombosis embolia infarto ictus convulsión síncope edema ascitis " +
    "taquicardia bradicardia soplo sibilancias crepitantes hepatomegalia esplenomegalia linfadenopatía proteinuria hematuria " +
    "creatinina potasio sodio glucosa hemoglobina plaquetas leucocitosis troponina lactato bilirrubina albúmina ferritina " +
    "antibiótico corticosteroide insulina heparina warfarina aspirina metformina amoxicilina vancomicina furosemida lisinopril " +
    "biopsia radiografía ecografía tomografía ecocardiograma electrocardiograma endoscopia colonoscopia cultivo serología " +
    "riñón hígado pulmón corazón cerebro bazo páncreas tiroides suprarrenal hipófisis hueso articulación músculo piel retina " +
    "inflamación infección necrosis fibrosis carcinoma linfoma leucemia metástasis autoinmune deficiencia mutación"
  ).split(" "),
};

/** Plural / inflected endings, so stemming has something to fold. */
const SUFFIXES: Record<string, string[]> = { en: ["", "", "", "s", "es"], it: ["", "", "", "i", "e"], es: ["", "", "", "s", "es"] };

/** Morphemes for a few thousand pseudo-clinical terms per language: real medical text has a long vocabulary tail. */
const STEMS = "hepat nephr cardi neur gastr pneum oste dermat hemat my angi arthr bronch cyst encephal enter gloss hist laryng lymph mast ocul ot pharyng proct pyel rhin splen thorac ur".split(" ");
const INFIXES = ["o", "o", "ocyt", "ogen", "oplast", "oscler", "otrop", "opath", "olith", "omyel", "ofibr"];
const TERM_ENDINGS: Record<string, string[]> = {
  en: "itis osis omegaly opathy ectomy ostomy algia emia oma ology oplasty oscopy orrhea openia otrophy".split(" "),
  it: "ite osi omegalia opatia ectomia ostomia algia emia oma ologia oplastica oscopia orrea openia otrofia".split(" "),
  es: "itis osis omegalia opatía ectomía ostomía algia emia oma ología oplastia oscopia orrea openia otrofia".split(" "),
};
const DRUG_SYLLABLES = "zo la mi pra ver ti ro na ce da be lo fe xa mo ri te su ga vi".split(" ");
const DRUG_ENDINGS = "mab nib pril sartan olol statin cillin azole mycin prazole dipine tidine".split(" ");

function longTail(lang: string): string[] {
  const terms: string[] = [];
  for (const stem of STEMS) for (const infix of INFIXES) for (const ending of TERM_ENDINGS[lang]) terms.push(stem + infix + ending);
  for (const a of DRUG_SYLLABLES) for (const b of DRUG_SYLLABLES) for (const ending of DRUG_ENDINGS) terms.push(a + b + ending);
  // A fixed shuffle, so a term's frequency rank does not follow its spelling.
  const rng = seedrandom(`vocab:${lang}`);
  for (let i = terms.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [terms[i], terms[j]] = [terms[j], terms[i]];
  }
  return terms;
}
const LONG_TAIL: Record<string, string[]> = { en: longTail("en"), it: longTail("it"), es: longTail("es") };

const OPENERS: Record<string, string> = {
  en: "A 54-year-old man comes to the emergency department because of",
  it: "Un uomo di 54 anni si presenta al pronto soccorso per",
  es: "Un hombre de 54 años acude al servicio de urgencias por",
};

export interface GenOptions {
  n: number;
  seed: number;
  langs: string[];
}

/** The i-th synthetic trace: a pure function of (seed, i), so any slice can be regenerated. */
export function syntheticTrace(i: number, opts: GenOptions): Record<string, unknown> {
  const rng = seedrandom(`${opts.seed}:${i}`);
  const lang = opts.langs[i % opts.langs.length];
  const words = (count: number) => {
    const out: string[] = [];
    for (let w = 0; w < count; w++) {
      const kind = rng();
      if (kind < 0.35) {
        // Log-uniform rank: P(rank r) ∝ 1/r, Zipf's law over the long tail.
        const tail = LONG_TAIL[lang];
        out.push(tail[Math.floor(Math.exp(rng() * Math.log(tail.length + 1))) - 1]);
      } else if (kind < 0.7) {
        const fw = FUNCTION_WORDS[lang];
        out.push(fw[Math.floor(fw.length * rng() ** 2)]);
      } else {
        const cw = CLINICAL_WORDS[lang];
        // Squaring the uniform draw skews toward the head of the list: a Zipf-like spread.
        const word = cw[Math.floor(cw.length * rng() ** 1.6)];
        const suffixes = SUFFIXES[lang];
        out.push(word + suffixes[Math.floor(rng() * suffixes.length)]);
      }
    }
    return out.join(" ");
  };
  const questionWords = 80 + Math.floor(rng() * 71);
  const reasoningWords = 150 + Math.floor(rng() * 151);
  const options = Array.from({ length: 4 }, () => words(2 + Math.floor(rng() * 4)));
  const answer = Math.floor(rng() * 4);
  const dataset = Math.floor(i / opts.langs.length) % 3 === 0 ? "medmcqa" : "medqa";
  return {
    id: `syn-${lang}-${i}`,
    lang,
    source_dataset: dataset,
    source_question_id: `${dataset}-train-${Math.floor(i / opts.langs.length)}`,
    question: `${OPENERS[lang]} ${words(questionWords - 12)}?`,
    options,
    answer: "ABCD"[answer],
    reasoning: `${words(reasoningWords)}.`,
  };
}

export async function writeSyntheticTraces(out: string, opts: GenOptions): Promise<void> {
  const stream = createWriteStream(out, { highWaterMark: 1 << 20 });
  let chunk: string[] = [];
  for (let i = 0; i < opts.n; i++) {
    chunk.push(JSON.stringify(syntheticTrace(i, opts)));
    if (chunk.length === 2000 || i === opts.n - 1) {
      if (!stream.write(`${chunk.join("\n")}\n`)) await new Promise<void>((r) => stream.once("drain", () => r()));
      chunk = [];
    }
  }
  await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

function argValue(name: string, fallback?: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(argValue("n", "1000"));
  const out = argValue("out");
  if (!out || !Number.isInteger(n) || n < 0) {
    process.stderr.write("usage: npx tsx bench/gen-traces.ts --n N --out FILE.jsonl [--seed S] [--langs en,it,es]\n");
    process.exit(2);
  }
  const langs = (argValue("langs", "en,it,es") as string).split(",");
  const unknown = langs.filter((l) => !CLINICAL_WORDS[l]);
  if (unknown.length > 0) {
    process.stderr.write(`no vocabulary for ${unknown.join(", ")} (have en, it, es)\n`);
    process.exit(2);
  }
  const started = performance.now();
  await writeSyntheticTraces(out, { n, seed: Number(argValue("seed", "1")), langs });
  process.stdout.write(`wrote ${n} traces to ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
