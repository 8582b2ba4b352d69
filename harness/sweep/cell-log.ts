// A log per cell that runs: what it is, the run's notices and plain progress lines, and how it
// ended (the whole error, not only its first line), appended under <out>/sweep-logs/<sweep>/ so a
// retried cell's log keeps the earlier attempts.
import { appendFileSync, mkdirSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { UserError } from "../types.ts";
import type { SweepCell, SweepPlan } from "./plan.ts";
import type { CellResult, CellStatus } from "./run-sweep.ts";

/** A name as a file name: anything but letters, digits, _ . - becomes _. */
export const safeName = (name: string): string => name.replace(/[^A-Za-z0-9_.-]+/g, "_");

/** `<out>/sweep-logs/<sweep file's name>/<index>-<model>-<setting>.log`. */
export function cellLogFile(plan: SweepPlan, out: string, cell: SweepCell): string {
  const sweep = safeName(basename(plan.file, extname(plan.file)));
  return join(out, "sweep-logs", sweep, `${cell.index}-${safeName(cell.model.name)}-${safeName(cell.settingName)}.log`);
}

export function cellLabel(c: SweepCell): string {
  return `#${c.index} ${c.model.name} × ${c.settingName} (${c.setting.setting}) × ${c.tasks.length} tasks`;
}

/** How a cell ended, in one line. */
export function cellEnd(r: CellResult): string {
  if (r.error) return `failed: ${r.error.message.split("\n")[0]}`;
  if (r.skipped) return `already complete (${r.skipped.dir})`;
  return r.outcome?.record.complete ? `done (${r.outcome.dir})` : "not complete";
}

export class CellLog {
  private constructor(
    readonly file: string,
    private cell: SweepCell,
  ) {}

  /** Start (or go on with) the cell's log: a header naming the cell and its run. */
  static open(file: string, cell: SweepCell, status: CellStatus | null): CellLog {
    mkdirSync(dirname(file), { recursive: true });
    const log = new CellLog(file, cell);
    log.line(`=== ${new Date().toISOString()} ${cellLabel(cell)}`);
    log.line(`tasks: ${cell.tasks.join(",")}`);
    if (status?.runId) log.line(`run: ${status.runId} (${status.dir}); ${status.items.reduce((n, t) => n + t.left, 0)} of ${status.items.reduce((n, t) => n + t.n, 0)} items to do`);
    return log;
  }

  line(text: string): void {
    appendFileSync(this.file, `${text}\n`);
  }

  /** Write how the cell ended and hand the result on, with this log named in it. */
  end(result: CellResult): CellResult {
    const { error, outcome } = result;
    if (error) {
      this.line(`failed: ${error instanceof UserError ? error.message : (error.stack ?? error.message)}`);
    } else if (outcome) {
      for (const t of outcome.record.tasks) this.line(`  ${t.task}: accuracy ${t.accuracy === null ? "-" : t.accuracy.toFixed(4)} (${t.correct}/${t.scored} scored of ${t.n} items)`);
      this.line(`${outcome.record.complete ? "done" : outcome.interrupted ? "interrupted (resumes)" : "not complete"}: ${outcome.dir}; ${outcome.sent} requests sent, ${outcome.retries} retries`);
    }
    this.line(`=== ${new Date().toISOString()} end of ${cellLabel(this.cell)}`);
    return { ...result, log: this.file };
  }
}
