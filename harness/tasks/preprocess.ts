// Named document preprocesses for sources whose records are not a flat array. Kept few and
// small, like lm-eval's per-task utils: the task file names one, the code stays readable here.
import { isPlainObject, type SourceRecord } from "../data/records.ts";
import { UserError } from "../types.ts";

/**
 * A document preprocess reads the whole JSON document (format: json); a records preprocess
 * reshapes the records of any format, one by one, keeping their line numbers.
 */
export type Preprocess =
  | { reads: "document"; run: (document: unknown, file: string) => SourceRecord[] }
  | { reads: "records"; run: (records: SourceRecord[], file: string) => SourceRecord[] };

/**
 * HEAD-QA v1.0 JSON: {"exams": {"<exam>": {name, category, year, data: [question, …]}}}.
 * Each question gets its exam's name, category and year, so ids can be "<exam>_<qid>" as in
 * the Hub's flattened parquet. Questions that refer to an image (`image` non-empty, 67 of
 * the 2742 test questions) are kept, as in the published HEAD-QA results.
 */
function headqaExams(document: unknown, file: string): SourceRecord[] {
  if (!isPlainObject(document) || !isPlainObject(document.exams)) {
    throw new UserError(`${file}: expected a HEAD-QA document {"exams": {"<exam>": {"data": [...]}}}.`);
  }
  const records: SourceRecord[] = [];
  for (const [key, exam] of Object.entries(document.exams)) {
    if (!isPlainObject(exam) || !Array.isArray(exam.data)) {
      throw new UserError(`${file}: exam "${key}" has no "data" array of questions.`);
    }
    exam.data.forEach((question, i) => {
      const where = `exam "${key}", question ${i + 1}`;
      if (!isPlainObject(question)) throw new UserError(`${file}, ${where}: expected a JSON object.`);
      records.push({
        data: { ...question, name: exam.name ?? key, category: exam.category, year: exam.year },
        index: records.length,
        where,
      });
    });
  }
  return records;
}

/**
 * MED-ITA (Crisp-Unimib/MED-ITA dataset.jsonl): `options` is a list of one-key objects,
 * [{"A": text}, {"B": text}, …]; merged into one object {"A": text, "B": text, …} so the
 * field map reads it as `options: { object: options }` and the letter answer by key.
 */
function keyedOptionList(records: SourceRecord[], file: string): SourceRecord[] {
  return records.map((record) => {
    const options = record.data.options;
    if (!Array.isArray(options)) throw new UserError(`${file}, ${record.where}: field "options": expected a list of one-key objects [{"A": text}, …].`);
    const merged: Record<string, unknown> = {};
    options.forEach((option, i) => {
      const keys = isPlainObject(option) ? Object.keys(option) : [];
      if (keys.length !== 1) throw new UserError(`${file}, ${record.where}: field "options[${i}]": expected one key and its text, like {"A": "…"}, found ${JSON.stringify(option)}.`);
      if (keys[0] in merged) throw new UserError(`${file}, ${record.where}: field "options[${i}]": the key "${keys[0]}" appears twice.`);
      merged[keys[0]] = (option as Record<string, unknown>)[keys[0]];
    });
    return { ...record, data: { ...record.data, options: merged } };
  });
}

export const PREPROCESSES: Record<string, Preprocess> = {
  headqa_exams: { reads: "document", run: headqaExams },
  keyed_option_list: { reads: "records", run: keyedOptionList },
};
