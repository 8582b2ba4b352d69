// How this medeval was started, so that a command it prints (a resume hint, a retry) works
// when pasted: `npx medeval …` under npx, `npm run medeval -- …` under an npm script, a bare
// `medeval` only when that is on PATH, else the launcher by its path.
import { basename, delimiter, dirname, isAbsolute, relative, resolve } from "node:path";

export interface Invocation {
  env: NodeJS.ProcessEnv;
  /** process.argv: [node, script, ...args]. */
  argv: string[];
  cwd: string;
}

function current(): Invocation {
  return { env: process.env, argv: process.argv, cwd: process.cwd() };
}

/**
 * The words that start medeval the way this process was started. npm passes its variables on
 * to every child, so a variable alone proves nothing (a test run by `npm test` spawns medeval
 * too): the script npm says it ran must be this very script.
 */
export function commandPrefix(inv: Invocation = current()): string[] {
  const script = inv.argv[1] ?? "medeval";
  const npmScript = unquote(inv.env.npm_lifecycle_script ?? "");
  const event = inv.env.npm_lifecycle_event;
  if (inv.env.npm_command === "exec" && event === "npx" && npmScript.split(/\s+/)[0] === basename(script)) {
    return ["npx", basename(script)];
  }
  if (event && event !== "npx" && npmScript !== "") {
    const words = npmScript.split(/\s+/);
    // An npm script runs in the package's folder, which is where its relative paths start.
    const root = inv.env.npm_package_json ? dirname(inv.env.npm_package_json) : inv.cwd;
    if (words.some((w) => /[./]/.test(w) && resolve(root, w) === resolve(script))) return ["npm", "run", event, "--"];
  }
  const onPath = (inv.env.PATH ?? "").split(delimiter).some((d) => d !== "" && resolve(d) === dirname(resolve(script)));
  if (onPath) return [basename(script)];
  // Called in-process by another program (a test runner): its script is not medeval's.
  if (!/^(medeval(\.js)?|cli\.ts)$/.test(basename(script))) return ["medeval"];
  const shown = shownPath(script, inv.cwd);
  if (script.endsWith(".ts")) return ["npx", "tsx", shown];
  if (script.endsWith(".js")) return ["node", shown];
  return [shown];
}

/** A command line for people to paste: this medeval's prefix, then the words, quoted for sh. */
export function printedCommand(words: string[], inv?: Invocation): string {
  return [...commandPrefix(inv), ...words].map(shellQuote).join(" ");
}

export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** A path under the working folder reads shorter as ./relative; anything else stays absolute. */
function shownPath(path: string, cwd: string): string {
  const abs = resolve(cwd, path);
  const rel = relative(cwd, abs);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? `./${rel}` : abs;
}

/** npm writes a one-word script as 'word'. */
function unquote(text: string): string {
  return text.trim().replace(/^'(.*)'$/, "$1");
}
