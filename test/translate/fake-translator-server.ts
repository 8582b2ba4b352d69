// A fake vLLM that both translates and answers, for trying `medeval translate` and then
// `medeval run` on the result without a GPU (the README's translate walk):
//   npx tsx test/translate/fake-translator-server.ts --port 8000
// A translation request (medeval translate's system prompt, "… into Italian.") is answered
// with the item translated word by word from a small medical dictionary (franc will not take
// it for Italian or Spanish, so the language check flags it: a real model's items pass);
// a trace translation (traces generate --lang-source traces) the same way, reasoning included,
// with --broken-rate R of them given an added answer line naming B (the answer check rejects
// those whose gold letter is another); anything else is answered like test/fake-vllm/main.ts, in
// chain-of-thought style.
import { parseArgs } from "node:util";
import { answerWith, guessLetter } from "../fake-vllm/helpers.ts";
import { startFakeVllm } from "../fake-vllm/server.ts";
import { requestedLanguage, translateText, translatorBehavior, type Dictionary } from "../fake-vllm/translator.ts";
import { isTraceTranslation, traceTranslatorBehavior } from "../fake-vllm/trace-translator.ts";
import { seedDraw } from "../fake-vllm/grounded.ts";

/** english/italian/spanish, one word each side of the slashes ("si_presenta" keeps its space). */
const WORDS = (
  "a/un/un an/un/un the/il/el of/di/de with/con/con and/e/y or/o/o is/è/es which/quale/cuál " +
  "what/che/qué most/più/más likely/probabile/probable following/seguente/siguiente " +
  "patient/paziente/paciente man/uomo/hombre woman/donna/mujer year/anno/año old/vecchio/viejo " +
  "presents/si_presenta/se_presenta history/storia/historia pain/dolore/dolor blood/sangue/sangre " +
  "pressure/pressione/presión heart/cuore/corazón diagnosis/diagnosi/diagnóstico " +
  "treatment/trattamento/tratamiento next/prossimo/siguiente step/passo/paso best/migliore/mejor " +
  "management/gestione/manejo drug/farmaco/fármaco disease/malattia/enfermedad " +
  "infection/infezione/infección fever/febbre/fiebre examination/esame/examen shows/mostra/muestra " +
  "her/sua/su his/suo/su in/in/en to/a/a for/per/para from/da/de on/su/sobre after/dopo/después " +
  "days/giorni/días weeks/settimane/semanas " +
  ""
)
  .trim()
  .split(" ")
  .map((triple) => triple.replace(/_/g, " ").split("/"));
const ITALIAN: Dictionary = Object.fromEntries(WORDS.map(([en, it]) => [en, it]));
const SPANISH: Dictionary = Object.fromEntries(WORDS.map(([en, , es]) => [en, es]));

const { values } = parseArgs({ options: { port: { type: "string", default: "8000" }, model: { type: "string", default: "fake-model" }, "broken-rate": { type: "string", default: "0" } } });
const translate = translatorBehavior({ Italian: ITALIAN, Spanish: SPANISH });
const brokenRate = Number(values["broken-rate"]);
const translateTrace = traceTranslatorBehavior({
  translate: { Italian: (t) => translateText(t, ITALIAN), Spanish: (t) => translateText(t, SPANISH) },
  fault: (question, language) => (seedDraw(0, `${language}|${question}`) < brokenRate ? "wrong_letter" : null),
});
const answer = answerWith(guessLetter, "cot");
const isTranslation = (text: string) => text.startsWith("You translate medical multiple-choice exam questions");

const server = await startFakeVllm({
  port: Number(values.port),
  servedModelName: values.model,
  maxModelLen: 100_000,
  respond: (req) => {
    const system = req.messages.find((m) => m.role === "system")?.content ?? "";
    if (isTraceTranslation(req.messages)) return translateTrace(req);
    return isTranslation(system) && requestedLanguage(req.messages) ? translate(req) : answer(req);
  },
});
console.log(`fake translator + vLLM serving "${values.model}" at ${server.url} (Ctrl-C to stop)`);
process.on("SIGINT", () => {
  void server.close().then(() => process.exit(0));
});
