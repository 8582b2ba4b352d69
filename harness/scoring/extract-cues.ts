// The phrases after which models state their answer, in English, Italian, Spanish and French.
// Each cue ends where the answer begins; extract-letter.ts decides whether what follows is a
// letter, a hedge or neither. Names are reported as the extraction's `rule` for audits.

export interface Cue {
  name: string;
  /** A statement of the answer itself ("the answer is …", "Answer: …"): when its words are not a letter, they are the answer. */
  statesAnswer?: boolean;
  /** Global, case-insensitive; the match ends where the answer begins. */
  pattern: RegExp;
  /** The context makes a bare lowercase letter unmistakable (JSON fields, "Answer: c"). */
  lowercase?: boolean;
  /** Weak cue: count the letter only when the option's own text follows it. */
  requireOptionText?: boolean;
}

const cue = (name: string, source: string, extra: Omit<Cue, "name" | "pattern"> = {}): Cue => ({
  name,
  pattern: new RegExp(source, "giu"),
  ...extra,
});

const QUALIFIER_EN = String.raw`(?:(?:final|correct|right|best|most\s+(?:likely|appropriate|accurate|correct|probable)|single\s+best|only\s+correct|true|actual)\s+)?`;
const VERB_EN = String.raw`(?:is\s+(?:most\s+)?(?:likely|probably)\s+to\s+be|is|would\s+be|should\s+be|will\s+be|must\s+be|seems\s+to\s+be|appears\s+to\s+be|remains|=)`;
const ADVERB_EN = String.raw`(?:\s+(?:therefore|thus|then|likely|probably|clearly|definitely|most\s+likely|indeed|still))?`;
const QUALIFIER_IT = String.raw`(?:\s+(?:corretta|giusta|esatta|finale|migliore|pi[uù]\s+(?:probabile|appropriata|corretta)))?`;
const VERB_IT = String.raw`(?:[èe]|e'|sarebbe|dovrebbe\s+essere|risulta)`;
const QUALIFIER_ES = String.raw`(?:\s+(?:correcta|final|adecuada|acertada|verdadera|m[aá]s\s+(?:adecuada|probable|apropiada|correcta)))?`;
const VERB_ES = String.raw`(?:es|ser[ií]a|debe\s+ser|corresponde\s+a)`;
const QUALIFIER_FR = String.raw`(?:\s+(?:correcte|finale|juste|exacte))?`;
const VERB_FR = String.raw`(?:est|serait|doit\s+[êe]tre)`;

// Keys of JSON-ish answers, quoted or not, whole or cut ('\\nanswer_choice": "C"', 'Answer Choice": "D"').
const SNAKE_KEY = String.raw`(?:final_answer|correct_answer|answer_choice|answer_option|answer_letter)`;
const JSON_KEY = String.raw`(?:${SNAKE_KEY}|answer\s+choice|answer|choice|respuesta|risposta|r[ée]ponse)`;

export const LENIENT_CUES: readonly Cue[] = [
  // "Therefore, among A through D, the answer is B", "the correct answer would be (C)"
  cue("en_answer_is", String.raw`\b${QUALIFIER_EN}answer(?:\s+(?:choice|option))?\s+${VERB_EN}${ADVERB_EN}\s*:?`, { statesAnswer: true }),
  cue("en_option_is", String.raw`\b(?:correct|right|best|most\s+appropriate|most\s+likely|final)\s+(?:option|choice|response|answer\s+choice)\s+${VERB_EN}${ADVERB_EN}\s*:?`, { statesAnswer: true }),
  // "Answer: B", "The answer: A.", "Final answer - C", "**Answer Choice**: D"
  cue("en_answer_colon", String.raw`\b(?:final\s+|correct\s+)?answer(?:\s+(?:choice|option))?\s*(?:\*\*|__)?\s*(?::|=|-\s)`, { lowercase: true, statesAnswer: true }),
  // "Correct option: C", "Opzione corretta: B", "Opción correcta: (D)"
  cue("option_colon", String.raw`\b(?:correct|best|right)\s+(?:option|choice)\s*(?:\*\*|__)?\s*:|\b(?:opzione|opci[oó]n|alternativa|scelta)\s+(?:corretta|correcta|giusta|adecuada|esatta)\s*(?:\*\*|__)?\s*:|\boption\s+(?:correcte|juste)\s*:`, { lowercase: true, statesAnswer: true }),
  cue("en_i_choose", String.raw`\b(?:I\s+(?:would|will|'d)?\s*(?:choose|select|pick|go\s+with|answer)|my\s+(?:final\s+)?(?:answer|choice)\s+(?:is|would\s+be))\s*:?`),
  // JSON-ish wrappers, complete or not: {"answer": "B"}, "answer_choice": "D", 'answer': 'c'
  cue("json_answer", String.raw`(?:["'\\]+${JSON_KEY}["'\\]*|${JSON_KEY}["'\\]+|${SNAKE_KEY})\s*:\s*\\*`, { lowercase: true }),
  // LaTeX answers, as reasoning models often give them: $\boxed{D}$, \boxed{\text{B}}
  cue("boxed", String.raw`\\boxed\s*\{\s*(?:\\(?:text|textbf|mathrm)\s*\{\s*)?`, { lowercase: true }),
  cue("it_answer_is", String.raw`\b(?:la\s+)?risposta${QUALIFIER_IT}\s+${VERB_IT}\s*:?`, { statesAnswer: true }),
  cue("it_answer_colon", String.raw`\brisposta${QUALIFIER_IT}\s*(?:\*\*|__)?\s*:`, { lowercase: true, statesAnswer: true }),
  cue("it_option_is", String.raw`\b(?:l['’]\s*|la\s+)?(?:opzione|alternativa|scelta)\s+(?:corretta|giusta|esatta|migliore|pi[uù]\s+appropriata)\s+${VERB_IT}\s*:?`, { statesAnswer: true }),
  cue("es_answer_is", String.raw`\b(?:la\s+)?respuesta${QUALIFIER_ES}\s+${VERB_ES}\s*:?`, { statesAnswer: true }),
  cue("es_answer_colon", String.raw`\brespuesta${QUALIFIER_ES}\s*(?:\*\*|__)?\s*:`, { lowercase: true, statesAnswer: true }),
  cue("es_option_is", String.raw`\b(?:la\s+)?(?:opci[oó]n|alternativa)\s+(?:correcta|adecuada|acertada|m[aá]s\s+(?:adecuada|apropiada|probable))\s+${VERB_ES}\s*:?`, { statesAnswer: true }),
  cue("fr_answer_is", String.raw`\b(?:la\s+)?(?:bonne\s+)?r[ée]ponse${QUALIFIER_FR}\s+${VERB_FR}\s*:?`, { statesAnswer: true }),
  cue("fr_answer_colon", String.raw`\br[ée]ponse${QUALIFIER_FR}\s*(?:\*\*|__)?\s*:`, { lowercase: true, statesAnswer: true }),
  cue("fr_option_is", String.raw`\bl['’]\s*option\s+(?:correcte|juste)\s+${VERB_FR}\s*:?`, { statesAnswer: true }),
  // "the most likely diagnosis is **B. Cocaine**": weak, so the option's text must follow.
  cue("is_letter_with_text", String.raw`(?:\b(?:is|would\s+be|es|est|sarebbe|ser[ií]a)|\s[èÈ])[ \t]*(?::[ \t]*(?:\n\s*)?)?(?=[*_("'\[]*(?:(?:option|choice|opzione|opci[oó]n)\s+)?[A-J](?:[.):\]]|\s+-))`, { requireOptionText: true }),
];

/** "Option B is correct", "(C) is the best answer", "l'opzione B è corretta", "la opción B es la correcta". */
export const LETTER_FIRST = new RegExp(
  String.raw`(?:^|[.!?:;\n]\s*|\b(?:therefore|thus|so|hence|quindi|pertanto|dunque|por\s+lo\s+tanto|por\s+tanto|as[ií]\s+que|donc),?\s+)` +
    String.raw`(?:(?:the\s+|l['’]\s*|la\s+)?(answer\s+choice|answer\s+option|option|choice|answer|opzione|alternativa|risposta|opci[oó]n|respuesta|option|r[ée]ponse)\s+)?` +
    String.raw`(\*\*|[([])?([A-Ja-j])(\*\*|[)\]])?\s*(?:\*\*)?\s*` +
    String.raw`(?:is|would\s+be|seems\s+to\s+be|appears\s+to\s+be|[èe]|es|est|sarebbe|ser[ií]a)\s+` +
    String.raw`(?:the\s+|la\s+|quella\s+|l['’]\s*)?(?:most\s+|single\s+|only\s+|m[aá]s\s+|pi[uù]\s+)?` +
    String.raw`(?:correct|right|best|appropriate|accurate|true|answer|likely\s+answer|corrett[ao]|giust[ao]|esatt[ao]|correct[ao]|adecuad[ao]|acertad[ao]|correcte|bonne)\b`,
  "giu",
);
