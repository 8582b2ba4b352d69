// A translating fake model for `medeval translate`: it reads the item from the request
// ({"question", "options"} as the user turn), the target language from the system prompt
// ("… into Italian."), and replies with the item translated word by word from a small
// dictionary (words it does not know are kept). With response_format json_schema it replies
// with bare JSON, as vLLM's structured output does; without, wrapped in a ```json fence.
import { lastUserText } from "./helpers.ts";
import type { Behavior, FakeMessage } from "./types.ts";

export type Dictionary = Record<string, string>;

/** Word-by-word translation; case of the first letter kept, punctuation and numbers untouched. */
export function translateText(text: string, dictionary: Dictionary): string {
  return text.replace(/\p{L}+/gu, (word) => {
    const found = dictionary[word.toLowerCase()];
    if (found === undefined) return word;
    return word[0] === word[0].toUpperCase() && word[0] !== word[0].toLowerCase() ? found[0].toUpperCase() + found.slice(1) : found;
  });
}

/** The language a translation request asks for: the name after " into " in the system prompt. */
export function requestedLanguage(messages: FakeMessage[]): string | null {
  const system = messages.find((m) => m.role === "system")?.content ?? "";
  return /\binto (\w+)\./.exec(system)?.[1] ?? null;
}

/** dictionaries by language name ("Italian"); a language without one is answered unchanged. */
export function translatorBehavior(dictionaries: Record<string, Dictionary>): Behavior {
  return (req) => {
    const language = requestedLanguage(req.messages);
    const item = JSON.parse(lastUserText(req.messages)) as { question: string; options: string[] };
    const dictionary = (language && dictionaries[language]) || {};
    const json = JSON.stringify({ question: translateText(item.question, dictionary), options: item.options.map((o) => translateText(o, dictionary)) });
    const structured = (req.body.response_format as { type?: string } | undefined)?.type === "json_schema";
    return { content: structured ? json : `\`\`\`json\n${json}\n\`\`\`` };
  };
}
