// Links from a report's figures to the samples behind them, opened by `medeval view`. The
// viewer takes its state from the URL's hash, so a link names the run, the task and nothing
// else; it lands on a viewer started on this port.
export const VIEW_LINK_PORT = 8642;
export const VIEW_LINK_BASE = `http://127.0.0.1:${VIEW_LINK_PORT}/`;

/** The samples one accuracy counts: one run's task, or (for an average) several. */
export function viewLink(parts: readonly { run_id: string; task: string }[]): string | null {
  if (parts.length === 0) return null;
  if (parts.length === 1) return `${VIEW_LINK_BASE}#/samples?${new URLSearchParams({ run: parts[0].run_id, task: parts[0].task })}`;
  const runs = [...new Set(parts.map((p) => p.run_id))].join(",");
  const tasks = [...new Set(parts.map((p) => p.task))].join(",");
  return `${VIEW_LINK_BASE}#/runs?${new URLSearchParams({ runs, tasks })}`;
}

/** What the report says about its links. */
export function viewLinkHint(source: string): string {
  return `Each accuracy links to the samples it counts: start \`medeval view ${source} --port ${VIEW_LINK_PORT}\`, then click a figure (an average opens the runs and tasks it is made of).`;
}
