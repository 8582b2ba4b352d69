// The inverse of renderQuestion: the option texts of a question as it was sent. A sample
// records the messages, not the item; a reader that re-runs the extraction on a recorded
// reply reads the options back from the prompt the model saw.
import { LETTERS } from "../types.ts";
import { wordsFor } from "../languages.ts";

/** Options of the last rendered question in `text`, in order; [] when it has none. */
export function optionsFromQuestion(text: string, lang: string): string[] {
  const header = `\n${wordsFor(lang).optionsLabel}:\n`;
  const at = text.lastIndexOf(header);
  if (at < 0) return [];
  const options: string[] = [];
  for (const line of text.slice(at + header.length).split("\n")) {
    const label = `${LETTERS[options.length] ?? "?"}. `;
    if (line.startsWith(label)) options.push(line.slice(label.length));
    // An option text with a line break in it: the line goes on until the next label or a blank line.
    else if (line.trim() !== "" && options.length > 0) options[options.length - 1] += `\n${line}`;
    else break;
  }
  return options;
}
