// Preloaded with `node --require` by test/cli/lazy-commands.test.ts: when the process exits,
// writes the files of every CommonJS module it loaded (LanceDB and its native addon are
// CommonJS, also when imported from ESM) to $MEDEVAL_LOADED_MODULES_FILE, one per line.
const { writeFileSync } = require("node:fs");

process.on("exit", () => {
  writeFileSync(process.env.MEDEVAL_LOADED_MODULES_FILE, Object.keys(require.cache).join("\n"));
});
