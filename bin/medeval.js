#!/usr/bin/env node
// Launcher: registers tsx in-process so the TypeScript sources run without a build step
// and signals (Ctrl-C) reach the harness directly.
import { register } from "tsx/esm/api";

register();
await import("../harness/cli.ts");
