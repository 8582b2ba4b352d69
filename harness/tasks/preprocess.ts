// Named document preprocesses for sources whose records are not a flat array. Kept few and
// small, like lm-eval's per-task utils: the task file names one, the code stays readable here.
import { isPlainObject, type SourceRecord } from "../data/records.ts";
import { UserError } from "../types.ts";

export type Preprocess = (document: unknown, file: string) => SourceRecord[];

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

export const PREPROCESSES: Record<string, Preprocess> = {
  headqa_exams: headqaExams,
};
