// The kinds of answer a person reads at once that the extractor used to miss (issue 11 §4),
// and the neighbours that must stay no answer. The bench's hand-written set
// (bench/extraction-kinds.jsonl) holds other examples of the same kinds.
import { describe, expect, it } from "vitest";
import { extractAnswer } from "../../harness/scoring/extract.ts";

const ULCER = ["Omeprazole", "Sucralfate", "Misoprostol", "Ranitidine"];

function read(content: string, options: string[], lang = "en") {
  return extractAnswer({ content, options, lang });
}

describe("a bare letter marked up as the conclusion", () => {
  it.each([
    ["NSAID ulcer prophylaxis in a man on long-term naproxen.\n\n**A** (Omeprazole)", "A"],
    ["Cytoprotection with a prostaglandin analogue.\n\n**[C]** Misoprostol", "C"],
    ["Coats the ulcer base.\n\n[B] Sucralfate", "B"],
    ["An H2 blocker is enough here.\n\n`D`", "D"],
    ["An H2 blocker is enough here.\n\n**D** Ranitidine", "D"],
    ["Ragionamento: profilassi con un inibitore di pompa.\n\n**A** (Omeprazole)", "A", "it"],
  ])("%j -> %s", (content, expected, lang = "en") => {
    expect(read(content, ULCER, lang)).toMatchObject({ status: "lenient", letter: expected });
  });
  it.each([
    "Either could work.\n\n**B** (or C)",
    "**A** (though B is also reasonable)",
    "Reasoning.\n\n**B** is wrong because it only coats the ulcer",
  ])("a marked letter with something else beside it is no answer: %j", (content) => {
    expect(read(content, ULCER)).toMatchObject({ letter: null });
  });
});

describe("Answer: <option text> on the first line, an explanation after it", () => {
  it.each([
    ["Answer: Misoprostol\nOmeprazole and ranitidine reduce acid, but misoprostol is the one contraindicated in pregnancy.", "C", "en"],
    ["Answer: Sucralfate\n\nRanitidine and omeprazole change gastric pH; sucralfate needs acid to work.", "B", "en"],
    ["Risposta: Ranitidine\nL'omeprazolo e il misoprostolo non sono necessari.", "D", "it"],
    ["Respuesta: Omeprazole\nEl misoprostol y la ranitidina son menos eficaces.", "A", "es"],
    ["Réponse : Sucralfate\nL'oméprazole et la ranitidine modifient le pH.", "B", "fr"],
  ])("%j -> %s (%s)", (content, expected, lang) => {
    expect(read(content, ULCER, lang)).toMatchObject({ status: "option_text", letter: expected });
  });
  it("another wording of the answer line, or another language's label, reads the same", () => {
    expect(read("Final answer: Sucralfate\nSo omeprazole and ranitidine add nothing here.", ULCER)).toMatchObject({ status: "option_text", letter: "B" });
    expect(read("Answer: Ranitidine\nQuindi omeprazole e misoprostol non servono.", ULCER, "it")).toMatchObject({ status: "option_text", letter: "D" });
  });
  it("two options on the answer line are no answer", () => {
    expect(read("Answer: Omeprazole or Ranitidine\nBoth reduce acid.", ULCER)).toMatchObject({ letter: null });
  });
});

describe("an option whose text has a negation word is an option, not a denial", () => {
  const NEXT = ["Colonoscopy", "Fecal occult blood test", "No screening needed", "CT colonography"];
  it.each([
    ["He is 82 with a life expectancy under 10 years, so the answer is no screening needed.", "C"],
    ["Answer: No screening needed\nScreening after 85 brings no benefit.", "C"],
    ["Therefore, the most appropriate recommendation is no screening needed.", "C"],
  ])("%j -> %s", (content, expected) => {
    expect(read(content, NEXT)).toMatchObject({ letter: expected });
  });
  it("'None of the above' as an option is chosen by its words", () => {
    const opts = ["Metformin", "Glipizide", "Sitagliptin", "None of the above"];
    expect(read("Each is unsafe at this eGFR, so the correct answer is none of the above.", opts)).toMatchObject({ letter: "D" });
  });
  it("'Not indicated' as an option is chosen by its words", () => {
    const opts = ["Cholecystectomy", "ERCP", "Not indicated", "Ursodiol"];
    expect(read("Asymptomatic gallstones: the best answer is Not indicated.", opts)).toMatchObject({ letter: "C" });
  });
  it("a real denial of an option is still no answer", () => {
    expect(read("The answer is not colonoscopy.", NEXT)).toMatchObject({ letter: null });
    const opts = ["Metformin", "Glipizide", "Sitagliptin", "Insulin"];
    expect(read("The answer is none of the above.", opts)).toMatchObject({ letter: null, rule: "no_option:en_answer_is" });
  });
});

describe("numeric, percentage and roman-numeral option texts", () => {
  it.each([
    ["Two carriers give a one in four chance, so the answer is 25%.", ["12.5%", "25%", "50%", "75%"], "B"],
    ["The answer is 50 %.", ["12.5%", "25%", "50%", "75%"], "C"],
    ["Half of one in four: the answer is 12.5%.", ["12.5%", "25%", "50%", "75%"], "A"],
    ["The correct answer is I, III and IV.", ["I and II", "I, III and IV", "II and III", "IV only"], "B"],
    ["The answer is IV only.", ["I and II", "I, III and IV", "II and III", "IV only"], "D"],
    ["Maintenance is weight-based, so the answer is 0.1mg/kg.", ["0.01 mg/kg", "0.1 mg/kg", "1 mg/kg", "10 mg/kg"], "B"],
    ["The answer is 4.", ["2", "3", "4", "5"], "C"],
  ])("%j -> %s", (content, options, expected) => {
    expect(read(content, options)).toMatchObject({ status: "option_text", letter: expected });
  });
  it("a number is never matched by an edit away", () => {
    expect(read("The answer is 30%.", ["10%", "20%", "40%", "50%"])).toMatchObject({ letter: null });
    expect(read("The answer is 1 mg/kg.", ["0.1 mg/kg", "0.5 mg/kg", "2 mg/kg", "5 mg/kg"])).toMatchObject({ letter: null });
  });
});

describe("option texts with small typos, abbreviations, casing and punctuation", () => {
  const DX = ["Deep vein thrombosis", "Cellulitis", "Baker cyst rupture", "Chronic venous insufficiency"];
  it.each([
    ["Swollen, tender calf after a long flight: the answer is deep vien thrombosis.", DX, "A"],
    ["The answer is cellulitus.", DX, "B"],
    ["The answer is DVT.", DX, "A"],
    ["The answer is BAKER'S CYST RUPTURE.", DX, "C"],
    ["The answer is Omeprazol.", ULCER, "A"],
    ["Therefore, the answer is misoprostal.", ULCER, "C"],
  ])("%j -> %s", (content, options, expected) => {
    expect(read(content, options)).toMatchObject({ status: "option_text", letter: expected });
  });
  it.each([
    ["The answer is thrombosis.", DX],
    ["The answer is insufficiency.", DX],
    ["The answer is Pantoprazole.", ULCER],
    ["The answer is CVD.", DX],
  ])("an answer near no option stays unparsed: %j", (content, options) => {
    expect(read(content, options)).toMatchObject({ letter: null });
  });
});

describe("options whose text is itself a letter-like token", () => {
  const BLOOD = ["A", "B", "AB", "O"];
  const VITAMIN = ["K", "D", "C", "E"];
  it.each([
    ["O negative blood is given before cross-matching. The answer is O.", BLOOD, "D"],
    ["The answer is AB.", BLOOD, "C"],
    ["Tocopherol is vitamin E, so the answer is E.", VITAMIN, "D"],
    ["Tocopherol is vitamin E.\n\nAnswer: E", VITAMIN, "D"],
    ["Tocopherol.\n\n**D** (E)", VITAMIN, "D"],
    ["Tocopherol.\n\nE", VITAMIN, "D"],
  ])("%j -> %s", (content, options, expected) => {
    expect(read(content, options)).toMatchObject({ letter: expected });
  });
  it("a letter within the options keeps its meaning as a letter", () => {
    expect(read("Answer: C", VITAMIN)).toMatchObject({ status: "strict", letter: "C" });
    expect(read("The answer is B.", BLOOD)).toMatchObject({ letter: "B" });
  });
  it("a letter beyond the options that is no option's text is still no answer", () => {
    expect(read("Answer: F", VITAMIN)).toMatchObject({ letter: null, rule: "out_of_range:strict_line" });
    expect(read("The answer is E.", ULCER)).toMatchObject({ letter: null });
  });
  it("a letter beyond the options beside another option's words names a fifth option: no answer", () => {
    const opts = ["Omeprazole", "Sucralfate", "Misoprostol", "None of the above"];
    expect(read('Therefore, among A through D, the answer is E, "None of the above".', opts)).toMatchObject({ letter: null });
    expect(read("The answer is E) None of the above.", opts)).toMatchObject({ letter: null });
  });
});
