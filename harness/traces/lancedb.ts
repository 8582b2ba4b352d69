// LanceDB, imported on first use: its native module is ~155 MB and ~0.3 s to load, which a
// command that never opens the trace store (a zero-shot `run`, `--version`) must not pay.
// Modules of the store import only its types statically and call this for its values.
type LanceDb = typeof import("@lancedb/lancedb");

let loading: Promise<LanceDb> | undefined;

export function lancedb(): Promise<LanceDb> {
  loading ??= import("@lancedb/lancedb");
  return loading;
}
