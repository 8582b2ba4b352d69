// The lines an import report ends with, for traces and corpus alike: where a Hub file came
// from, the rejected rows (as many as asked), and the time taken.

interface ImportReportTail {
  hub?: { repo: string; revision: string; path: string; commit: string | null; sha256: string };
  rejects: { where: string; field: string; message: string }[];
  rejected: number;
  seconds: number;
  index_seconds: number;
}

export function importReportTail(report: ImportReportTail, showRejects: number): string[] {
  const lines: string[] = [];
  if (report.hub) lines.push(`hub: ${report.hub.repo}@${report.hub.revision} (commit ${report.hub.commit ?? "unknown"}) ${report.hub.path} sha256 ${report.hub.sha256}`);
  const shown = report.rejects.slice(0, Math.max(showRejects, 0));
  for (const r of shown) lines.push(`  rejected ${r.where}: ${r.field}: ${r.message}`);
  if (report.rejected > shown.length) lines.push(`  … ${report.rejected - shown.length} more rejected rows (--show-rejects N to list more)`);
  lines.push(`took ${report.seconds.toFixed(1)} s (indexes ${report.index_seconds.toFixed(1)} s)`);
  return lines;
}
