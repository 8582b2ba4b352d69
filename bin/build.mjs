// `npm run build`, which `npm ci` runs as `prepare`: the harness bundled into dist/ for
// bin/medeval.js. One bundle with a chunk per command (esbuild's code splitting keeps each
// command's `import()` in _manifest.ts lazy), so a start reads a handful of files instead of
// resolving and compiling some 900 modules one by one: `medeval run` spends about a third
// less CPU before its first request than it did on tsc's file-per-module output.
// LanceDB and Arrow stay outside the bundle: LanceDB loads a native module, and both must be
// the one copy of Arrow that LanceDB itself uses (its tables are checked with instanceof).
// dist/task-files.json holds tasks/*.yaml parsed and validated (harness/tasks/prebuilt.ts).
// dist/build.json records when the build started; bin/medeval.js runs dist/ only while no
// source under harness/ is newer than that.
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const dist = join(root, "dist");
const startedMs = Date.now();
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/**
 * yargs looks for "the" package.json (its default --version) upward from the folder above its
 * own node_modules, else from the working directory: bundled, it has no node_modules in its
 * path, so every start would list the user's working directory and each one above it (40 ms
 * in a /tmp with many entries). Start it from the bundle's own folder instead, under medeval's
 * package.json.
 */
const yargsFromBundle = {
  name: "yargs-from-bundle",
  setup(b) {
    b.onLoad({ filter: /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const from = "mainFilename: mainFilename || process.cwd(),";
      if (!text.includes(from)) throw new Error(`${args.path}: "${from}" not found: yargs changed, update bin/build.mjs`);
      return { contents: text.replace(from, "mainFilename: mainFilename || dirname(__dirname),"), loader: "js" };
    });
  },
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: ["harness/cli.ts", "harness/tasks/prebuild.ts"],
  outdir: "dist",
  outbase: "harness",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: `node${pkg.engines.node.replace(/^>=\s*/, "")}`,
  external: ["@lancedb/lancedb", "apache-arrow"],
  // Bundled CommonJS packages call require() for Node's built-ins; an ES module has none.
  banner: { js: 'import { createRequire as medevalCreateRequire } from "node:module"; const require = medevalCreateRequire(import.meta.url);' },
  define: { MEDEVAL_BUNDLED: "true" },
  keepNames: true,
  legalComments: "none",
  logLevel: "warning",
  plugins: [yargsFromBundle],
});
// The shipped task files, parsed and checked once here instead of at every start.
const { prebuildTaskFiles } = await import(pathToFileURL(join(dist, "tasks", "prebuild.js")).href);
writeFileSync(join(dist, "task-files.json"), JSON.stringify(prebuildTaskFiles()));
writeFileSync(join(dist, "build.json"), `${JSON.stringify({ started_ms: startedMs, entry: "cli.js" })}\n`);
