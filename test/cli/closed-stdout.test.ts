// `medeval tasks | head -1`: when the reader of standard output goes away, medeval stops
// quietly (exit 0, nothing on stderr) instead of dying of an unhandled EPIPE with a stack trace.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { MEDEVAL_BIN } from "../helpers.ts";

describe("standard output closed by its reader", () => {
  it("medeval tasks | true (a reader gone before the first write) exits 0 with nothing on stderr", () => {
    const r = spawnSync("bash", ["-c", 'set -o pipefail; node "$0" tasks | true', MEDEVAL_BIN], { encoding: "utf8", env: { ...process.env, MEDEVAL_DATA_DIR: "" } });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
