// How benchmarks, languages and domains are written in tables. Task ids are data
// (tasks/*.yaml); these are only the names readers of a paper expect.
import type { TaskInfo } from "./load.ts";

const FAMILY_NAMES: Record<string, string> = {
  medqa: "MedQA",
  medmcqa: "MedMCQA",
  mmlu_medical: "MMLU-med",
  headqa: "HEAD-QA",
  medexpqa: "MedExpQA",
};

export function familyName(family: string): string {
  return FAMILY_NAMES[family] ?? family;
}

/** The task id without its language: `mmlu_medical.anatomy.es` → `mmlu_medical.anatomy`. */
export function benchmarkOf(info: Pick<TaskInfo, "task" | "lang" | "family">): string {
  const suffix = `.${info.lang}`;
  return info.task.endsWith(suffix) ? info.task.slice(0, -suffix.length) : info.task;
}

/** `mmlu_medical.anatomy` → `MMLU-med anatomy`, `medqa` → `MedQA`. */
export function benchmarkName(benchmark: string, family: string): string {
  if (benchmark === family) return familyName(family);
  const rest = benchmark.startsWith(`${family}.`) ? benchmark.slice(family.length + 1) : benchmark;
  return `${familyName(family)} ${rest.replaceAll("_", " ")}`;
}

export function langName(lang: string): string {
  return lang.toUpperCase();
}

export function domainName(domain: string): string {
  return domain === "in-domain" ? "In-domain" : domain === "out-of-domain" ? "Out-of-domain" : domain;
}

/** Domains in table order. */
export const DOMAIN_ORDER = ["in-domain", "out-of-domain"];
/** Languages in table order; others follow alphabetically. */
export const LANG_ORDER = ["en", "it", "es"];

export function langRank(lang: string): number {
  const i = LANG_ORDER.indexOf(lang);
  return i === -1 ? LANG_ORDER.length : i;
}

export function compareLangs(a: string, b: string): number {
  return langRank(a) - langRank(b) || a.localeCompare(b);
}
