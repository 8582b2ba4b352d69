// Which tasks make up each aggregate (per language, per domain, per group, overall) and
// with which weight they enter its macro average. Groups (MMLU-medical's six subjects)
// count as one task per language in every macro average above the group itself, so the
// overall average is not dominated by the family that happens to have most subjects.
// Likewise two translations of one benchmark (medqa.it and medqa.it@ours) are one unit: the
// Italian average counts MedQA once, each translation weighing half.
import type { TaskInfo } from "./load.ts";
import { compareLangs, DOMAIN_ORDER, domainName, familyName, langName } from "./names.ts";

export type AggregateKind = "overall" | "domain" | "language" | "group";

export interface AggregateDef {
  /** `overall`, `domain:in-domain`, `lang:it`, `group:mmlu_medical`, `group:mmlu_medical.it`. */
  id: string;
  kind: AggregateKind;
  label: string;
  lang?: string;
  domain?: string;
  group?: string;
  members: { task: string; weight: number }[];
}

function unitOf(t: TaskInfo): string {
  return `${t.group ?? t.family}\u0000${t.lang}`;
}

/** Members with macro weights: each unit (a task, or a group in one language) weighs the same. */
function weighted(tasks: readonly TaskInfo[]): AggregateDef["members"] {
  const unitSize = new Map<string, number>();
  for (const t of tasks) unitSize.set(unitOf(t), (unitSize.get(unitOf(t)) ?? 0) + 1);
  return [...tasks]
    .sort((x, y) => x.task.localeCompare(y.task))
    .map((t) => ({ task: t.task, weight: 1 / (unitSize.size * unitSize.get(unitOf(t))!) }));
}

export function aggregateDefinitions(tasks: readonly TaskInfo[]): AggregateDef[] {
  if (tasks.length === 0) return [];
  const defs: AggregateDef[] = [{ id: "overall", kind: "overall", label: "Overall", members: weighted(tasks) }];
  const domains = [...new Set(tasks.map((t) => t.domain))].sort((a, b) => DOMAIN_ORDER.indexOf(a) - DOMAIN_ORDER.indexOf(b));
  for (const domain of domains) {
    defs.push({ id: `domain:${domain}`, kind: "domain", label: domainName(domain), domain, members: weighted(tasks.filter((t) => t.domain === domain)) });
  }
  const langs = [...new Set(tasks.map((t) => t.lang))].sort(compareLangs);
  for (const lang of langs) {
    defs.push({ id: `lang:${lang}`, kind: "language", label: langName(lang), lang, members: weighted(tasks.filter((t) => t.lang === lang)) });
  }
  const groups = [...new Set(tasks.flatMap((t) => (t.group ? [t.group] : [])))].sort();
  for (const group of groups) {
    const inGroup = tasks.filter((t) => t.group === group);
    defs.push({ id: `group:${group}`, kind: "group", label: familyName(group), group, members: weighted(inGroup) });
    for (const lang of [...new Set(inGroup.map((t) => t.lang))].sort(compareLangs)) {
      defs.push({
        id: `group:${group}.${lang}`,
        kind: "group",
        label: `${familyName(group)} ${langName(lang)}`,
        group,
        lang,
        members: weighted(inGroup.filter((t) => t.lang === lang)),
      });
    }
  }
  return defs;
}
